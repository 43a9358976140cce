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
        counted(prefix: requestPrefix, counter.add(1, ordering: .relaxed).newValue)
    }

    private static let usageCounter = Atomic<UInt64>(0)

    /// A usage record id unique across processes (the random per-process prefix, re-drawn at
    /// every start) and within one (a counter): the idempotency key of
    /// `UsageStore.appendUsage`. Not the request id, which a client may choose.
    public static func usageRecordID() -> String {
        counted(prefix: usagePrefix, usageCounter.add(1, ordering: .relaxed).newValue)
    }

    private static let requestPrefix = Array("req_".utf8) + Array(processPrefix.utf8)
    private static let usagePrefix = Array("usg_".utf8) + Array(processPrefix.utf8)

    /// `prefix` then `n` as 12 hex digits, written straight into the string's storage: one
    /// allocation per id (both kinds are made on every request).
    private static func counted(prefix: [UInt8], _ n: UInt64) -> String {
        String(unsafeUninitializedCapacity: prefix.count + 12) { buffer in
            _ = buffer.initialize(fromContentsOf: prefix)
            var position = prefix.count
            for shift in stride(from: 44, through: 0, by: -4) {
                buffer[position] = hexDigits[Int((n >> UInt64(shift)) & 0xF)]
                position += 1
            }
            return position
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    @inline(__always)
    static func appendHex(_ byte: UInt8, into out: inout [UInt8]) {
        out.append(hexDigits[Int(byte >> 4)])
        out.append(hexDigits[Int(byte & 0xF)])
    }
}
