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
        let array = Array(bytes)
        return try array.withUnsafeBufferPointer { try feed(buffer: $0) }
    }

    public mutating func feed(_ bytes: [UInt8]) throws -> [SSEEvent] {
        try bytes.withUnsafeBufferPointer { try feed(buffer: $0) }
    }

    /// Scans for line ends and hands whole lines over in slices: a stream is mostly long
    /// `data:` lines, so per-byte work is one comparison.
    public mutating func feed(buffer: UnsafeBufferPointer<UInt8>) throws -> [SSEEvent] {
        var events: [SSEEvent] = []
        var i = 0
        let count = buffer.count
        if lastWasCR {
            lastWasCR = false
            if count > 0, buffer[0] == 0x0A { i = 1 }
        }
        while i < count {
            var j = i
            while j < count, buffer[j] != 0x0A, buffer[j] != 0x0D { j += 1 }
            if j == count {
                line.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[i..<j]))
                if line.count > maximumLineLength { throw LineTooLong() }
                break
            }
            let event: SSEEvent?
            if line.isEmpty {
                event = endLine(UnsafeBufferPointer(rebasing: buffer[i..<j]))
            } else {
                line.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[i..<j]))
                if line.count > maximumLineLength { throw LineTooLong() }
                let pending = line
                line.removeAll(keepingCapacity: true)
                event = pending.withUnsafeBufferPointer { endLine($0) }
            }
            if let event { events.append(event) }
            if buffer[j] == 0x0D {
                if j + 1 < count {
                    if buffer[j + 1] == 0x0A { j += 1 }
                } else {
                    lastWasCR = true
                }
            }
            i = j + 1
        }
        return events
    }

    /// Flushes an event left unterminated when the stream ends.
    public mutating func finish() -> SSEEvent? {
        if !line.isEmpty {
            let pending = line
            line.removeAll()
            _ = pending.withUnsafeBufferPointer { endLine($0) }
        }
        return dispatch()
    }

    private static let dataField: [UInt8] = Array("data".utf8)

    private mutating func endLine(_ line: UnsafeBufferPointer<UInt8>) -> SSEEvent? {
        if line.isEmpty { return dispatch() }
        if line[0] == UInt8(ascii: ":") { return nil }  // comment, e.g. keep-alive
        var colon = 0
        while colon < line.count, line[colon] != UInt8(ascii: ":") { colon += 1 }
        let field = UnsafeBufferPointer(rebasing: line[..<colon])
        var valueStart = min(colon + 1, line.count)
        if valueStart < line.count, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        let value = UnsafeBufferPointer(rebasing: line[valueStart...])
        if field.elementsEqual(Self.dataField) {
            if hasData { dataLines.append(0x0A) }
            dataLines.append(contentsOf: value)
            hasData = true
        } else {
            switch String(decoding: field, as: UTF8.self) {
            case "event": eventName = String(decoding: value, as: UTF8.self)
            case "id": eventID = String(decoding: value, as: UTF8.self)
            default: break  // "retry" and unknown fields are ignored by spec
            }
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
