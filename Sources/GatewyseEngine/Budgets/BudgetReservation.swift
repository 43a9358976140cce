import Synchronization

/// One request's hold on its budgets, settled exactly once (the exchange settles it when the
/// request completes, whatever the ending; a reservation dropped unsettled settles as unused).
public final class BudgetReservation: Sendable {
    private let ledger: BudgetLedger
    let budgets: [BudgetKey]
    let ceiling: BudgetAmounts
    /// `warn` budgets already past a limit: the answer carries `X-Gatewyse-Budget-Warning`.
    public let warnings: [String]
    private let settled = Atomic<Bool>(false)

    init(ledger: BudgetLedger, budgets: [BudgetKey], ceiling: BudgetAmounts, warnings: [String]) {
        self.ledger = ledger
        self.budgets = budgets
        self.ceiling = ceiling
        self.warnings = warnings
    }

    deinit {
        settle(actual: nil)
    }

    func settle(actual: BudgetAmounts?) {
        guard settled.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        ledger.settle(budgets, ceiling: ceiling, actual: actual)
    }
}
