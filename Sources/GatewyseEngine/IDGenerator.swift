import Synchronization

/// Identifiers for requests and records.
public enum IDGenerator {
    /// Random hex, for identifiers that must not be guessable (key ids).
    public static func hex(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var out: [UInt8] = []
        out.reserveCapacity(count * 2)
        var remaining = count
        while remaining > 0 {
            // One getrandom call yields 8 bytes; asking byte by byte costs a syscall each.
            var word = generator.next()
            for _ in 0..<min(8, remaining) {
                appendHex(UInt8(truncatingIfNeeded: word), into: &out)
                word >>= 8
            }
            remaining -= 8
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let processPrefix: String = hex(bytes: 6)
    private static let counter = Atomic<UInt64>(0)

    /// A request id unique across processes (random per-process prefix) and within one (a
    /// counter): no system call on the request path.
    public static func requestID() -> String {
        let n = counter.add(1, ordering: .relaxed).newValue
        var out: [UInt8] = Array("req_".utf8)
        out.reserveCapacity(4 + 12 + 12)
        out.append(contentsOf: processPrefix.utf8)
        for shift in stride(from: 44, through: 0, by: -4) { out.append(hexDigits[Int((n >> UInt64(shift)) & 0xF)]) }
        return String(decoding: out, as: UTF8.self)
    }

    private static let usageCounter = Atomic<UInt64>(0)

    /// A usage record id unique across processes (the random per-process prefix, re-drawn at
    /// every start) and within one (a counter): the idempotency key of
    /// `UsageStore.appendUsage`. Not the request id, which a client may choose.
    public static func usageRecordID() -> String {
        let n = usageCounter.add(1, ordering: .relaxed).newValue
        var out: [UInt8] = Array("usg_".utf8)
        out.reserveCapacity(4 + 12 + 12)
        out.append(contentsOf: processPrefix.utf8)
        for shift in stride(from: 44, through: 0, by: -4) { out.append(hexDigits[Int((n >> UInt64(shift)) & 0xF)]) }
        return String(decoding: out, as: UTF8.self)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    @inline(__always)
    static func appendHex(_ byte: UInt8, into out: inout [UInt8]) {
        out.append(hexDigits[Int(byte >> 4)])
        out.append(hexDigits[Int(byte & 0xF)])
    }
}
