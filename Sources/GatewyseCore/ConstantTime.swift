/// Comparison whose running time depends only on the length of its inputs, for secrets and
/// digests, so that a caller cannot learn how many leading bytes of a guess were right.
public enum ConstantTime {
    /// Specialized for byte arrays: this runs on every authenticated request.
    public static func equals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return lhs.withUnsafeBufferPointer { a in
            rhs.withUnsafeBufferPointer { b in
                var difference: UInt8 = 0
                for i in 0..<a.count { difference |= a[i] ^ b[i] }
                return difference == 0
            }
        }
    }
}
