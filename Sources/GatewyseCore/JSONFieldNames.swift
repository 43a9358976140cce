/// The field names a wire decoder knows, for `JSONFieldReader.remaining(excluding:)`, which
/// keeps every other member of an object as it came.
///
/// Why not `Set<String>`: that check runs for every key of every request body and message, and
/// hashing a short key costs more than comparing it with the one or two known names of the same
/// length, which is all this does.
public struct JSONFieldNames: Sendable, ExpressibleByArrayLiteral {
    /// Known names by their UTF-8 length.
    private let byLength: [[String]]

    public init(arrayLiteral names: String...) {
        var byLength: [[String]] = Array(repeating: [], count: (names.map(\.utf8.count).max() ?? 0) + 1)
        for name in names where !byLength[name.utf8.count].contains(name) { byLength[name.utf8.count].append(name) }
        self.byLength = byLength
    }

    public func contains(_ name: String) -> Bool {
        let length = name.utf8.count
        guard length < byLength.count else { return false }
        let candidates = byLength[length]
        for position in candidates.indices where candidates[position] == name { return true }
        return false
    }
}
