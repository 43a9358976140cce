import GatewyseCore
import GatewyseStorage

extension GatewayRuntime {
    /// `GET /v1/budget` (admin-api.md §5): every enabled budget that applies to the calling key,
    /// most specific first, with its `usage` and `status` as the admin API renders them. The key
    /// needs `budget:read` named in its scopes.
    public func keyBudgets(for principal: Principal) throws(GatewayError) -> [UInt8] {
        guard principal.policy.readsOwnBudget else { throw GatewayError.capabilityNotAllowed("budget:read") }
        let budgets = engine.snapshot.budgets.applicable(to: principal)
        return JSONWriter.bytes(.object(JSONObject([("data", .array(budgets.map { .object(adminRouter.api.render($0)) }))])))
    }
}
