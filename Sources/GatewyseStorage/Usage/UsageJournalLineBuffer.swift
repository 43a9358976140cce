import GatewyseCore

/// The usage recorder's one buffer for journal lines, written through a raw pointer.
///
/// Why not `[UInt8]`: a line is some sixty appends (brackets, commas, digits, string runs), and
/// each append to an array checks that the array is uniquely referenced and has room. The line's
/// largest possible size is known before it is written (`UsageJournalLine.maximumSize`), so the
/// room is made once and the bytes go straight in. Owned by the recorder's locked state: one
/// line at a time.
public final class UsageJournalLineBuffer {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    /// Bytes of the line being written.
    var count = 0

    public init(capacity: Int = 1024) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    /// Empties the buffer and makes room for `size` bytes.
    func reset(forAtMost size: Int) {
        count = 0
        guard size > capacity else { return }
        base.deallocate()
        capacity = max(size, capacity * 2)
        base = .allocate(capacity: capacity)
    }

    /// Makes room for `size` more bytes after those written, keeping them (a usage batch's
    /// body: lines appended one after another).
    func reserve(more size: Int) {
        guard count &+ size > capacity else { return }
        capacity = max(count &+ size, capacity * 2)
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        grown.update(from: base, count: count)
        base.deallocate()
        base = grown
    }

    /// Forgets the bytes written, keeping the room.
    public func removeAll() { count = 0 }

    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    // MARK: Writing (room made by `reset`)

    @inline(__always)
    func byte(_ value: UInt8) {
        base[count] = value
        count &+= 1
    }

    @inline(__always)
    func bytes(_ source: UnsafePointer<UInt8>, _ length: Int) {
        (base + count).update(from: source, count: length)
        count &+= length
    }

    func integer(_ value: Int64) {
        if value < 0 { byte(UInt8(ascii: "-")) }
        count &+= DecimalDigits.write(value.magnitude, to: base + count)
    }

    /// A JSON string, escaped as `JSONWriter.writeString` escapes it (the same loop).
    func string(_ value: String) {
        byte(UInt8(ascii: "\""))
        value.withUTF8Bytes { text in
            JSONWriter.forEachEscapedRun(text, plain: { run in
                if let start = run.baseAddress { bytes(start, run.count) }
            }, escaped: { escape in
                bytes(escape.baseAddress!, escape.count)
            })
        }
        byte(UInt8(ascii: "\""))
    }
}
