import GatewyseCore

/// What a request counts against a budget: dollars (nano-dollars), tokens, requests.
public struct BudgetAmounts: Sendable, Equatable {
    public var nanos: Int64
    public var tokens: Int64
    public var requests: Int64

    public init(nanos: Int64 = 0, tokens: Int64 = 0, requests: Int64 = 0) {
        self.nanos = nanos
        self.tokens = tokens
        self.requests = requests
    }

    public static let zero = BudgetAmounts()

    func amount(_ unit: BudgetLimit.Unit) -> Int64 {
        switch unit {
        case .nanos: nanos
        case .tokens: tokens
        case .requests: requests
        }
    }

    static func + (lhs: BudgetAmounts, rhs: BudgetAmounts) -> BudgetAmounts {
        BudgetAmounts(nanos: lhs.nanos &+ rhs.nanos, tokens: lhs.tokens &+ rhs.tokens, requests: lhs.requests &+ rhs.requests)
    }

    static func - (lhs: BudgetAmounts, rhs: BudgetAmounts) -> BudgetAmounts {
        BudgetAmounts(nanos: lhs.nanos &- rhs.nanos, tokens: lhs.tokens &- rhs.tokens, requests: lhs.requests &- rhs.requests)
    }
}
