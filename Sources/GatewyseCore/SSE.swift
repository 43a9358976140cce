/// One Server-Sent Event as defined by the WHATWG event-stream format.
public struct SSEEvent: Sendable, Equatable {
    public var event: String?
    public var data: String
    public var id: String?

    public init(event: String? = nil, data: String, id: String? = nil) {
        self.event = event
        self.data = data
        self.id = id
    }
}

/// Incremental event-stream decoder: feed it bytes as they arrive from the network, in chunks
/// split anywhere (even inside a multi-byte character), and it returns the complete events.
/// A state machine with no I/O (ARCHITECTURE rule 5).
public struct SSEDecoder: Sendable {
    private var line: [UInt8] = []
    private var dataLines: [UInt8] = []
    private var hasData = false
    private var eventName: String?
    private var eventID: String?
    private var lastWasCR = false
    /// A single line longer than this is refused, so a hostile upstream cannot grow memory forever.
    public var maximumLineLength = 16 * 1024 * 1024

    public struct LineTooLong: Error {}

    public init() {}

    public mutating func feed(_ bytes: some Sequence<UInt8>) throws -> [SSEEvent] {
        var events: [SSEEvent] = []
        for byte in bytes {
            if lastWasCR {
                lastWasCR = false
                if byte == 0x0A { continue }
            }
            if byte == 0x0A || byte == 0x0D {
                lastWasCR = byte == 0x0D
                if let event = endLine() { events.append(event) }
            } else {
                line.append(byte)
                if line.count > maximumLineLength { throw LineTooLong() }
            }
        }
        return events
    }

    /// Flushes an event left unterminated when the stream ends.
    public mutating func finish() -> SSEEvent? {
        if !line.isEmpty { _ = endLine() }
        return dispatch()
    }

    private mutating func endLine() -> SSEEvent? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty { return dispatch() }
        if line[0] == UInt8(ascii: ":") { return nil }  // comment, e.g. keep-alive
        let colon = line.firstIndex(of: UInt8(ascii: ":"))
        let field = String(decoding: line[..<(colon ?? line.endIndex)], as: UTF8.self)
        var valueStart = colon.map { $0 + 1 } ?? line.endIndex
        if valueStart < line.endIndex, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        let value = line[valueStart...]
        switch field {
        case "data":
            if hasData { dataLines.append(0x0A) }
            dataLines.append(contentsOf: value)
            hasData = true
        case "event": eventName = String(decoding: value, as: UTF8.self)
        case "id": eventID = String(decoding: value, as: UTF8.self)
        default: break  // "retry" and unknown fields are ignored by spec
        }
        return nil
    }

    private mutating func dispatch() -> SSEEvent? {
        defer {
            dataLines.removeAll(keepingCapacity: true)
            hasData = false
            eventName = nil
        }
        guard hasData else { return nil }
        return SSEEvent(event: eventName, data: String(decoding: dataLines, as: UTF8.self), id: eventID)
    }
}

/// Frames events for the wire.
public enum SSEEncoder {
    public static func encode(_ event: SSEEvent, into out: inout [UInt8]) {
        if let name = event.event {
            out.append(contentsOf: "event: ".utf8)
            out.append(contentsOf: name.utf8)
            out.append(0x0A)
        }
        for line in event.data.split(separator: "\n", omittingEmptySubsequences: false) {
            out.append(contentsOf: "data: ".utf8)
            out.append(contentsOf: line.utf8)
            out.append(0x0A)
        }
        out.append(0x0A)
    }

    /// `data: <json>\n\n` written straight from a JSON value, without an intermediate String.
    public static func encodeData(_ json: JSONValue, event: String? = nil, into out: inout [UInt8]) {
        if let event {
            out.append(contentsOf: "event: ".utf8)
            out.append(contentsOf: event.utf8)
            out.append(0x0A)
        }
        out.append(contentsOf: "data: ".utf8)
        JSONWriter.write(json, into: &out)
        out.append(contentsOf: [0x0A, 0x0A])
    }

    public static let done: [UInt8] = Array("data: [DONE]\n\n".utf8)
}
