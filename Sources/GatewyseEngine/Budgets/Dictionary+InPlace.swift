extension Dictionary {
    /// Runs `body` on the value stored under `key`, in place; nil (and `body` not run) when there
    /// is none. Why: `var value = dictionary[key]; …; dictionary[key] = value` copies the value
    /// (a retain per reference in it), and its arrays then copy on their first write, since the
    /// dictionary still holds them.
    @discardableResult
    mutating func modifyValue<Result>(forKey key: Key, _ body: (inout Value) throws -> Result) rethrows -> Result? {
        guard let index = index(forKey: key) else { return nil }
        return try body(&values[index])
    }
}
