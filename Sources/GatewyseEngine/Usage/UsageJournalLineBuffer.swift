import GatewyseCore

/// The usage recorder's one buffer for journal lines, written through a raw pointer.
///
/// Why not `[UInt8]`: a line is some sixty appends (brackets, commas, digits, string runs), and
/// each append to an array checks that the array is uniquely referenced and has room. The line's
/// largest possible size is known before it is written (`UsageJournalLine.maximumSize`), so the
/// room is made once and the bytes go straight in. Owned by the recorder's locked state: one
/// line at a time.
final class UsageJournalLineBuffer {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    /// Bytes of the line being written.
    var count = 0

    init(capacity: Int = 1024) {
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

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

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
        var magnitude = value.magnitude
        if value < 0 { byte(UInt8(ascii: "-")) }
        var digits = 1
        var rest = magnitude / 10
        while rest > 0 { digits &+= 1; rest /= 10 }
        var position = count &+ digits
        count = position
        repeat {
            position &-= 1
            base[position] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// A JSON string: runs of plain bytes copied at once, quotes, backslashes and control
    /// characters escaped (what `JSONWriter.writeString` writes).
    func string(_ value: String) {
        byte(UInt8(ascii: "\""))
        let written: Void? = value.utf8.withContiguousStorageIfAvailable { text in
            guard let source = text.baseAddress else { return }
            var runStart = 0
            var index = 0
            var passed: UInt64 = 0
            while index < text.count {
                index = JSONByteScan.plainRunEnd(source, from: index, count: text.count, seen: &passed)
                guard index < text.count else { break }
                let special = text[index]
                let escape: UInt8
                switch special {
                case 0x22: escape = UInt8(ascii: "\"")
                case 0x5C: escape = UInt8(ascii: "\\")
                case 0x0A: escape = UInt8(ascii: "n")
                case 0x0D: escape = UInt8(ascii: "r")
                case 0x09: escape = UInt8(ascii: "t")
                case 0x00..<0x20: escape = UInt8(ascii: "u")
                default:
                    index &+= 1
                    continue
                }
                bytes(source + runStart, index &- runStart)
                byte(UInt8(ascii: "\\"))
                byte(escape)
                if escape == UInt8(ascii: "u") {
                    byte(UInt8(ascii: "0")); byte(UInt8(ascii: "0"))
                    byte(Self.hexDigits[Int(special >> 4)]); byte(Self.hexDigits[Int(special & 0xF)])
                }
                index &+= 1
                runStart = index
            }
            bytes(source + runStart, text.count &- runStart)
        }
        if written == nil {
            // Not stored contiguously (bridged strings elsewhere; none here): the writer's own path.
            var line: [UInt8] = []
            JSONWriter.writeString(value, into: &line)
            line.withUnsafeBufferPointer { bytes($0.baseAddress! + 1, $0.count - 1) }
            return
        }
        byte(UInt8(ascii: "\""))
    }
}
