/// A budget's counters at one moment.
public struct BudgetState: Sendable, Equatable {
    public struct Meter: Sendable, Equatable {
        public var limit: BudgetLimit
        public var used: Int64
        public var value: Int64
        /// Unix ms.
        public var resetsAt: Int64
        /// Shared (decisions/0018): this replica's lease on the limit.
        public var lease: Int64 = 0
    }

    public var meters: [Meter]
    public var reserved: BudgetAmounts

    /// `exceeded` once any limit is reached, `warning` from the lowest alert threshold (80 %
    /// when the budget has none).
    public func status(alertPercent: Int) -> String {
        if meters.contains(where: { $0.used >= $0.value }) { return "exceeded" }
        // A display status, not accounting: `Double` is precise enough to compare percentages.
        if meters.contains(where: { Double($0.used) * 100 >= Double($0.value) * Double(alertPercent) }) {
            return "warning"
        }
        return "active"
    }
}
