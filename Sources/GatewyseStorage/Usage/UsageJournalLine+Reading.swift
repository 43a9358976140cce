/// Reading a line the way `UsageJournalLine` writes it, field by field, without building a
/// `JSONValue` tree: a query over usage batches decodes every record of the hours it reads
/// (decisions/0035), so each costs a pass over its bytes and the record's strings. A line this
/// reader does not follow — a string with an escape, an unexpected shape — goes to the general
/// JSON decoder, which decides.
struct UsageJournalLineReader {
    let line: UnsafeRawBufferPointer
    var position = 0

    init(_ line: UnsafeRawBufferPointer) { self.line = line }

    /// Nil when the line needs the general decoder.
    static func record(_ line: UnsafeRawBufferPointer) -> UsageRecord? {
        var reader = UsageJournalLineReader(line)
        guard reader.take(UInt8(ascii: "[")), reader.integer() == Int64(UsageJournalLine.version) else { return nil }
        guard let id = reader.nextString(), let requestID = reader.nextString(), let time = reader.nextInteger(),
              let tenantID = reader.nextString(), let organizationID = reader.nextOptionalString(),
              let departmentID = reader.nextOptionalString(), let userID = reader.nextOptionalString(), let keyID = reader.nextString(),
              let capability = reader.nextString(), let requestedModel = reader.nextOptionalString(),
              let providerID = reader.nextOptionalString(), let upstreamModel = reader.nextOptionalString(),
              let input = reader.nextInteger(), let output = reader.nextInteger(), let cached = reader.nextInteger(),
              let cacheWrite = reader.nextInteger(), let reasoning = reader.nextInteger(), let cost = reader.nextOptionalInteger(),
              let latency = reader.nextInteger(), let ttft = reader.nextOptionalInteger(), let status = reader.nextInteger(),
              let errorCode = reader.nextOptionalString(), let attempts = reader.nextInteger(), let cacheHit = reader.nextInteger(),
              let estimated = reader.nextInteger(), let outcomeText = reader.nextString(),
              let outcome = UsageRecord.Outcome(rawValue: outcomeText),
              reader.take(UInt8(ascii: "]")), reader.position == line.count
        else { return nil }
        return UsageRecord(id: id, requestID: requestID, time: time, tenantID: tenantID, organizationID: organizationID,
                           departmentID: departmentID, userID: userID, keyID: keyID, capability: capability, requestedModel: requestedModel,
                           providerID: providerID, upstreamModel: upstreamModel, inputTokens: Int(clamping: input),
                           outputTokens: Int(clamping: output), cachedTokens: Int(clamping: cached), cacheWriteTokens: Int(clamping: cacheWrite),
                           reasoningTokens: Int(clamping: reasoning), costNanos: cost, latencyMs: Int(clamping: latency),
                           ttftMs: ttft.map { Int(clamping: $0) }, status: Int(clamping: status), errorCode: errorCode,
                           attempts: Int(clamping: attempts), cacheHit: cacheHit != 0, usageEstimated: estimated != 0, outcome: outcome)
    }

    mutating func take(_ byte: UInt8) -> Bool {
        guard position < line.count, line[position] == byte else { return false }
        position += 1
        return true
    }

    /// Up to 18 digits with an optional sign (every number the writer writes fits; a wider one
    /// goes to the general decoder).
    mutating func integer() -> Int64? {
        let negative = take(UInt8(ascii: "-"))
        var value: Int64 = 0
        var digits = 0
        while position < line.count, line[position] &- UInt8(ascii: "0") < 10 {
            guard digits < 18 else { return nil }
            value = value &* 10 &+ Int64(line[position] &- UInt8(ascii: "0"))
            position += 1
            digits += 1
        }
        guard digits > 0 else { return nil }
        return negative ? -value : value
    }

    /// A string without escapes.
    mutating func string() -> String? {
        stringRange().map { String(decoding: UnsafeRawBufferPointer(rebasing: line[$0]), as: UTF8.self) }
    }

    /// Where a string without escapes lies (its content, quotes excluded), the reader past it.
    mutating func stringRange() -> Range<Int>? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = position
        while position < line.count {
            let byte = line[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                return start..<(position - 1)
            }
            if byte == UInt8(ascii: "\\") { return nil }
            position += 1
        }
        return nil
    }

    mutating func null() -> Bool {
        guard position + 4 <= line.count, line[position] == UInt8(ascii: "n"), line[position + 1] == UInt8(ascii: "u"),
              line[position + 2] == UInt8(ascii: "l"), line[position + 3] == UInt8(ascii: "l") else { return false }
        position += 4
        return true
    }

    mutating func nextString() -> String? { take(UInt8(ascii: ",")) ? string() : nil }
    mutating func nextInteger() -> Int64? { take(UInt8(ascii: ",")) ? integer() : nil }

    /// `.some(nil)` for `null`; nil when the field is neither.
    mutating func nextOptionalString() -> String?? {
        guard take(UInt8(ascii: ",")) else { return nil }
        if null() { return .some(nil) }
        return string().map { .some($0) }
    }

    mutating func nextOptionalInteger() -> Int64?? {
        guard take(UInt8(ascii: ",")) else { return nil }
        if null() { return .some(nil) }
        return integer().map { .some($0) }
    }
}
