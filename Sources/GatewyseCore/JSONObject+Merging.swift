/// Operations over two whole objects, linear in their sizes. Keyed access on `JSONObject` is a
/// scan (right for the handful of keys a wire object has), so doing one of these key by key is
/// quadratic — and the objects involved can be a client's: a request's unmodelled fields ride in
/// `extra` and are written back into the upstream body, so 100,000 unknown fields would cost
/// seconds of an event loop. Past `linearScanLimit` members these index the keys once.
extension JSONObject {
    /// Up to this many members in total, scanning beats building an index.
    static let linearScanLimit = 16

    /// Sets every member of `other` in this object, exactly as `self[key] = value` for each
    /// would: an existing key keeps its place and takes the new value, a new key is appended in
    /// `other`'s order.
    public mutating func merge(_ other: JSONObject) {
        guard count + other.count > Self.linearScanLimit else {
            for (key, value) in other.entries { self[key] = value }
            return
        }
        var positions = firstPositions()
        for (key, value) in other.entries {
            if let position = positions[key] {
                replaceValue(at: position, with: value)
            } else {
                positions[key] = count
                appendUnique(key, value)
            }
        }
    }

    /// The equality `==` promises: the same members, in any order (each key of `lhs` has the
    /// same value as the first member of that key in `rhs`).
    static func sameMembers(_ lhs: JSONObject, _ rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        // In the same order — a value against its own copy or round trip — one pass decides.
        if lhs.entries.elementsEqual(rhs.entries, by: { $0.key == $1.key && $0.value == $1.value }) { return true }
        if lhs.count <= linearScanLimit {
            for (key, value) in lhs.entries where rhs[key] != value { return false }
            return true
        }
        let positions = rhs.firstPositions()
        for (key, value) in lhs.entries {
            guard let position = positions[key], rhs.entries[position].value == value else { return false }
        }
        return true
    }

    /// Where each key first appears (the member keyed access finds).
    private func firstPositions() -> [String: Int] {
        var positions: [String: Int] = [:]
        positions.reserveCapacity(count)
        for (position, entry) in entries.enumerated() where positions[entry.key] == nil { positions[entry.key] = position }
        return positions
    }
}
