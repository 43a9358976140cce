/// A bounded least-recently-used map as a value type. Entries live in one array linked by
/// indices (no node objects), so lookups and inserts allocate nothing once the cache is full.
public struct LRUCache<Key: Hashable, Value> {
    public let capacity: Int
    private var slots: [Slot] = []
    private var index: [Key: Int] = [:]
    /// Most recently used.
    private var head = -1
    /// Least recently used: the next to go.
    private var tail = -1
    /// Slots freed by `removeValue`/`removeAll(where:)`, reused before growing.
    private var free: [Int] = []

    fileprivate struct Slot {
        var key: Key
        var value: Value
        var previous: Int
        var next: Int
    }

    public init(capacity: Int) {
        precondition(capacity > 0, "capacity must be positive")
        self.capacity = capacity
        index.reserveCapacity(capacity)
    }

    public var count: Int { index.count }

    /// The value for `key`, marking it most recently used.
    public mutating func value(for key: Key) -> Value? {
        guard let i = index[key] else { return nil }
        moveToFront(i)
        return slots[i].value
    }

    /// Looks without touching the recency order.
    public func peek(_ key: Key) -> Value? {
        index[key].map { slots[$0].value }
    }

    /// Inserts or replaces; evicts the least recently used entry when full and returns its key.
    @discardableResult
    public mutating func setValue(_ value: Value, for key: Key) -> Key? {
        if let i = index[key] {
            slots[i].value = value
            moveToFront(i)
            return nil
        }
        var evicted: Key?
        let i: Int
        if index.count >= capacity {
            i = tail
            evicted = slots[i].key
            index[slots[i].key] = nil
            unlink(i)
            slots[i].key = key
            slots[i].value = value
        } else if let reused = free.popLast() {
            i = reused
            slots[i].key = key
            slots[i].value = value
        } else {
            i = slots.count
            slots.append(Slot(key: key, value: value, previous: -1, next: -1))
        }
        index[key] = i
        linkAtFront(i)
        return evicted
    }

    @discardableResult
    public mutating func removeValue(for key: Key) -> Value? {
        guard let i = index.removeValue(forKey: key) else { return nil }
        unlink(i)
        free.append(i)
        return slots[i].value
    }

    /// Removes every entry whose key matches (targeted invalidation).
    public mutating func removeAll(where shouldRemove: (Key) -> Bool) {
        let doomed = index.keys.filter(shouldRemove)
        for key in doomed { removeValue(for: key) }
    }

    public mutating func removeAll() {
        slots.removeAll(keepingCapacity: true)
        index.removeAll(keepingCapacity: true)
        free.removeAll(keepingCapacity: true)
        head = -1
        tail = -1
    }

    /// Keys from most to least recently used (for tests and diagnostics).
    public var keysByRecency: [Key] {
        var keys: [Key] = []
        var i = head
        while i >= 0 {
            keys.append(slots[i].key)
            i = slots[i].next
        }
        return keys
    }

    private mutating func moveToFront(_ i: Int) {
        guard i != head else { return }
        unlink(i)
        linkAtFront(i)
    }

    private mutating func linkAtFront(_ i: Int) {
        slots[i].previous = -1
        slots[i].next = head
        if head >= 0 { slots[head].previous = i }
        head = i
        if tail < 0 { tail = i }
    }

    private mutating func unlink(_ i: Int) {
        let previous = slots[i].previous, next = slots[i].next
        if previous >= 0 { slots[previous].next = next } else { head = next }
        if next >= 0 { slots[next].previous = previous } else { tail = previous }
        slots[i].previous = -1
        slots[i].next = -1
    }
}

extension LRUCache: Sendable where Key: Sendable, Value: Sendable {}
extension LRUCache.Slot: Sendable where Key: Sendable, Value: Sendable {}
