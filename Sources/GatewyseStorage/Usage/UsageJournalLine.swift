import GatewyseCore

/// One usage record as one journal line: a compact JSON array of the fields in a fixed order,
/// led by a format version, ended by `\n`. Positional rather than an object so that the line
/// the request path writes is short and built without a `JSONValue` tree: numbers and
/// strings are appended straight into a reused buffer. The same lines, concatenated, are the
/// body of a usage batch in SQLite (decisions/0035).
public enum UsageJournalLine {
    static let version = 1
    static let fieldCount = 1 + UsageRecord.columnCount

    /// Appends the line, newline included (tests and tools; the recorder writes into its
    /// `UsageJournalLineBuffer`).
    public static func encode(_ r: borrowing UsageRecord, into out: inout [UInt8]) {
        let buffer = UsageJournalLineBuffer()
        encode(r, into: buffer)
        out.append(contentsOf: buffer.bytes)
    }

    /// Writes the line, newline included, as the buffer's only content. On the request path
    /// (the usage observer): room is made once for the longest line the record could give, then
    /// every byte goes straight in.
    public static func encode(_ r: borrowing UsageRecord, into out: UsageJournalLineBuffer) {
        out.reset(forAtMost: maximumSize(r))
        write(r, to: out)
    }

    /// Appends the line, newline included, after what the buffer holds (a usage batch's body).
    public static func append(_ r: borrowing UsageRecord, to out: UsageJournalLineBuffer) {
        out.reserve(more: maximumSize(r))
        write(r, to: out)
    }

    /// The line's bytes, into room already made.
    private static func write(_ r: borrowing UsageRecord, to out: UsageJournalLineBuffer) {
        out.byte(UInt8(ascii: "["))
        out.integer(Int64(version))
        string(r.id, out)
        string(r.requestID, out)
        int(r.time, out)
        string(r.tenantID, out)
        string(r.organizationID, out)
        string(r.departmentID, out)
        string(r.userID, out)
        string(r.keyID, out)
        string(r.capability, out)
        string(r.requestedModel, out)
        string(r.providerID, out)
        string(r.upstreamModel, out)
        int(r.inputTokens, out)
        int(r.outputTokens, out)
        int(r.cachedTokens, out)
        int(r.cacheWriteTokens, out)
        int(r.reasoningTokens, out)
        int(r.costNanos, out)
        int(r.latencyMs, out)
        int(r.ttftMs, out)
        int(r.status, out)
        string(r.errorCode, out)
        int(r.attempts, out)
        int(r.cacheHit ? 1 : 0, out)
        int(r.usageEstimated ? 1 : 0, out)
        string(r.outcome.rawValue, out)
        out.byte(UInt8(ascii: "]"))
        out.byte(UInt8(ascii: "\n"))
    }

    /// The longest line `r` can give: every string byte escaped as `\u00XX` (six bytes), every
    /// number at its widest (a sign and 19 digits), each field with its comma.
    public static func maximumSize(_ r: borrowing UsageRecord) -> Int {
        func text(_ value: String?) -> Int { 3 &+ 6 &* (value?.utf8.count ?? 0) }
        let strings = text(r.id) &+ text(r.requestID) &+ text(r.tenantID) &+ text(r.organizationID) &+ text(r.departmentID)
            &+ text(r.userID) &+ text(r.keyID) &+ text(r.capability) &+ text(r.requestedModel) &+ text(r.providerID)
            &+ text(r.upstreamModel) &+ text(r.errorCode) &+ text(r.outcome.rawValue)
        return 4 &+ strings &+ 21 &* (fieldCount &- 13)
    }

    private static func int(_ value: (some BinaryInteger)?, _ out: UsageJournalLineBuffer) {
        out.byte(UInt8(ascii: ","))
        guard let value else { return null(out) }
        out.integer(Int64(clamping: value))
    }

    private static func string(_ value: String?, _ out: UsageJournalLineBuffer) {
        out.byte(UInt8(ascii: ","))
        guard let value else { return null(out) }
        out.string(value)
    }

    private static func null(_ out: UsageJournalLineBuffer) {
        out.byte(UInt8(ascii: "n")); out.byte(UInt8(ascii: "u")); out.byte(UInt8(ascii: "l")); out.byte(UInt8(ascii: "l"))
    }

    /// The record of one line (without its newline), or nil when the line is not a complete,
    /// well-formed record of a known version — a line torn by a crash mid-write.
    public static func decode(_ line: ArraySlice<UInt8>) -> UsageRecord? {
        guard let fields = (try? JSONParser.parse(Array(line)))?.arrayValue, fields.count == fieldCount,
              fields[0].intValue == version else { return nil }
        func text(_ i: Int) -> String? { fields[i].stringValue }
        func number(_ i: Int) -> Int64? {
            guard case .number(let lexeme) = fields[i] else { return nil }
            return Int64(lexeme)
        }
        func count(_ i: Int) -> Int? { number(i).map { Int(clamping: $0) } }
        func optional<T>(_ i: Int, _ read: (Int) -> T?) -> T?? { fields[i].isNull ? .some(nil) : read(i).map { .some($0) } }
        guard let id = text(1), let requestID = text(2), let time = number(3), let tenantID = text(4),
              let organizationID = optional(5, text), let departmentID = optional(6, text), let userID = optional(7, text),
              let keyID = text(8), let capability = text(9), let requestedModel = optional(10, text), let providerID = optional(11, text),
              let upstreamModel = optional(12, text), let input = count(13), let output = count(14), let cached = count(15),
              let cacheWrite = count(16), let reasoning = count(17), let cost = optional(18, number), let latency = count(19),
              let ttft = optional(20, count), let status = count(21), let errorCode = optional(22, text), let attempts = count(23),
              let cacheHit = count(24), let estimated = count(25), let outcome = text(26).flatMap(UsageRecord.Outcome.init(rawValue:))
        else { return nil }
        return UsageRecord(id: id, requestID: requestID, time: time, tenantID: tenantID, organizationID: organizationID,
                           departmentID: departmentID, userID: userID, keyID: keyID, capability: capability, requestedModel: requestedModel,
                           providerID: providerID, upstreamModel: upstreamModel, inputTokens: input, outputTokens: output, cachedTokens: cached,
                           cacheWriteTokens: cacheWrite, reasoningTokens: reasoning, costNanos: cost, latencyMs: latency, ttftMs: ttft,
                           status: status, errorCode: errorCode, attempts: attempts, cacheHit: cacheHit != 0, usageEstimated: estimated != 0,
                           outcome: outcome)
    }
}

extension UsageJournalLine {
    /// The records of concatenated lines (a journal segment, a usage batch's body) and the number
    /// of lines skipped. A last line without its newline is torn (the process died mid-copy) and
    /// skipped like any unreadable line; zero bytes between lines are the reserved tail of a
    /// journal segment never cut, and skipped.
    public static func records(in bytes: UnsafeRawBufferPointer) -> (records: [UsageRecord], skipped: Int) {
        var records: [UsageRecord] = []
        var torn = 0, unreadable = 0
        forEachLine(in: bytes, skipped: &torn) { line in
            if let record = UsageJournalLineReader.record(line) ?? decode(ArraySlice(line)) {
                records.append(record)
            } else {
                unreadable += 1
            }
        }
        return (records, torn + unreadable)
    }

    /// Calls `body` with each complete line (without its newline); counts a torn last line in `skipped`.
    public static func forEachLine(in bytes: UnsafeRawBufferPointer, skipped: inout Int, _ body: (UnsafeRawBufferPointer) -> Void) {
        var start = 0
        while start < bytes.count {
            // A segment's unused, reserved tail is zeros (a process that died never cut it).
            if bytes[start] == 0 {
                start += 1
                continue
            }
            guard let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                skipped += 1
                break
            }
            if end > start { body(UnsafeRawBufferPointer(rebasing: bytes[start..<end])) }
            start = end + 1
        }
    }

    /// A line's record id when its time is one `accepts`, read without decoding the rest: what
    /// deduplicating a batch against one stored before needs (the id is made only for a time
    /// accepted). Nil for a line that does not start as a record line does.
    public static func id(_ line: UnsafeRawBufferPointer, ifTime accepts: (Int64) -> Bool) -> String? {
        var reader = UsageJournalLineReader(line)
        if reader.take(UInt8(ascii: "[")), reader.integer() == Int64(version), reader.take(UInt8(ascii: ",")), let id = reader.stringRange(),
           reader.take(UInt8(ascii: ",")), reader.stringRange() != nil, let time = reader.nextInteger(), reader.take(UInt8(ascii: ",")) {
            guard accepts(time) else { return nil }
            return String(decoding: UnsafeRawBufferPointer(rebasing: line[id]), as: UTF8.self)
        }
        // Not the shape this gateway writes (an escape, spaces): the whole line decides.
        guard let record = decode(ArraySlice(line)), accepts(record.time) else { return nil }
        return record.id
    }
}
