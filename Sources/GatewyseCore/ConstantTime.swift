/// Comparison whose running time depends only on the length of its inputs, for secrets and
/// digests, so that a caller cannot learn how many leading bytes of a guess were right.
public enum ConstantTime {
    public static func equals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(lhs, rhs) { difference |= a ^ b }
        return difference == 0
    }
}
