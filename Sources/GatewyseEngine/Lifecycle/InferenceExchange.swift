import GatewyseCore
import GatewyseRouting
import Synchronization

/// One admitted inference request, from its head to its completion event. The transport holds
/// it while the body arrives and hands it back to `InferenceEngine.serve`; the engine (or the
/// `InferenceStream` it returns) completes it.
///
/// The completion event fires exactly once: `complete` is idempotent, and a request whose
/// exchange is released without being completed — the client left while its body was arriving,
/// or while the answer was being computed — completes as `clientGone` on release. That is also
/// what gives the in-flight slot back, so no path can leak one.
public final class InferenceExchange: @unchecked Sendable {
    // @unchecked: the mutable fields are written by the one task serving the request, before
    // the completion (guarded by `completed`) reads them.
    public private(set) var context: InferenceContext
    let snapshot: RuntimeSnapshot
    private let observers: [any CompletionObserver]
    private let limiter: InFlightLimiter?
    private let completed = Atomic<Bool>(false)
    /// Its trace, when tracing is on and the request is sampled (or carries a client's context
    /// to pass upstream): attempts add their spans, the completion event ends it.
    public let trace: RequestTrace?
    var requestedModel: String?
    /// The request's hold on its budgets, settled when it completes. Behind a lock: with
    /// shared budgets the reservation may arrive after a suspension (a lease grant), when the
    /// completion can already be running on another thread (`hold`).
    private let budgetHold = Mutex<(reservation: BudgetReservation?, closed: Bool)>((nil, false))

    var reservation: BudgetReservation? { budgetHold.withLock { $0.reservation } }

    /// Keeps `reservation` until the completion settles it; one that arrives after the
    /// completion gives its ceiling back at once.
    func hold(_ reservation: BudgetReservation?) {
        guard let reservation else { return }
        let late = budgetHold.withLock { hold -> Bool in
            if hold.closed { return true }
            hold.reservation = reservation
            return false
        }
        if late { reservation.settle(actual: nil) }
    }
    /// The rate limits the request was counted against: their headers for the answer, and the
    /// subjects whose day's tokens the completion adds to.
    struct RateLimitHold {
        let limiter: RateLimiter
        let headers: RateLimitAnswerHeaders
        let tokenSubjects: [RateLimitSubject]
    }
    var rateLimits: RateLimitHold?
    private var firstByteAt: ContinuousClock.Instant?
    /// The gateway's own time before the answer (`CompletionEvent.overhead`).
    private var overhead: Duration?

    init(context: InferenceContext, snapshot: RuntimeSnapshot, observers: [any CompletionObserver], limiter: InFlightLimiter?,
         trace: RequestTrace? = nil) {
        self.trace = trace
        self.context = context
        self.snapshot = snapshot
        self.observers = observers
        self.limiter = limiter
    }

    deinit {
        complete(.clientGone)
    }

    public var isCompleted: Bool { completed.load(ordering: .acquiring) }

    func markFirstByte() {
        if firstByteAt == nil { firstByteAt = .now }
    }

    /// The answer is ready (or the stream open) after `upstreamTime` spent waiting on upstreams.
    func markAnswerReady(upstreamTime: Duration) {
        overhead = max(.zero, (ContinuousClock.Instant.now - context.startedAt) - upstreamTime)
    }

    /// Fires the completion event, once; later calls do nothing. `price` is the answering
    /// deployment's, resolved for this request's tenant when the snapshot was built
    /// (`RouteCandidate.price`); `usageEstimated` says `usage` was counted by the gateway.
    func complete(_ outcome: CompletionEvent.Outcome, providerID: String? = nil, upstreamModel: String? = nil,
                  attempts: Int = 0, usage: Usage? = nil, usageEstimated: Bool = false, price: ModelPrice? = nil,
                  media: MediaUsage? = nil, unitCost: Money? = nil, finishReason: FinishReason? = nil) {
        guard completed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        limiter?.release()
        let reservation = budgetHold.withLock { hold -> BudgetReservation? in
            hold.closed = true
            defer { hold.reservation = nil }
            return hold.reservation
        }
        if reservation == nil, rateLimits == nil, observers.isEmpty { return }
        let now = ContinuousClock.Instant.now
        var event = CompletionEvent(
            requestID: context.requestID, endpoint: context.endpoint, principal: context.principal, requestedModel: requestedModel,
            outcome: outcome, providerID: providerID, upstreamModel: upstreamModel, attempts: attempts, usage: usage,
            usageEstimated: usage != nil && usageEstimated, cost: unitCost ?? Self.cost(of: usage, at: price),
            cacheStatus: .notConsulted, timeToFirstByte: firstByteAt.map { $0 - context.startedAt }, duration: now - context.startedAt,
            overhead: overhead)
        event.media = media
        event.finishReason = finishReason
        event.trace = trace
        // Settled before the observers run, so that a usage reader never sees the record of a
        // request whose budget still holds its reservation.
        reservation?.settle(actual: Self.spent(event))
        if let hold = rateLimits, !hold.tokenSubjects.isEmpty, let spent = Self.spent(event) {
            hold.limiter.addTokens(spent.tokens, to: hold.tokenSubjects)
        }
        for observer in observers { observer.requestCompleted(event) }
    }

    /// What a request spent against its budgets: nothing when no upstream (or cache) served it —
    /// the rule the usage records' totals follow too (`UsageRecord.isServed`).
    static func spent(_ event: CompletionEvent) -> BudgetAmounts? {
        guard event.attempts > 0 || event.cacheStatus == .hit else { return nil }
        let tokens = Int64(max(event.usage?.promptTokens ?? 0, 0)) &+ Int64(max(event.usage?.completionTokens ?? 0, 0))
        return BudgetAmounts(nanos: event.cost?.nanos ?? 0, tokens: tokens, requests: 1)
    }

    /// The answer's headers with the governance ones added: `X-Gatewyse-Budget-Warning` naming
    /// the `warn` budgets past a limit (admin-api.md §6).
    /// and OpenAI's `x-ratelimit-*` for the tightest rate limit.
    /// `headers` is taken, not borrowed: the caller's literal is then the only reference, and
    /// appending moves its elements instead of copying each (a retain and a release per header).
    func governanceHeaders(_ headers: consuming [(String, String)]) -> [(String, String)] {
        var headers = headers
        if let hold = rateLimits { hold.headers.append(to: &headers) }
        if let warnings = reservation?.warnings, !warnings.isEmpty { headers.append(("X-Gatewyse-Budget-Warning", warnings.joined(separator: ", "))) }
        return headers
    }

    /// What `usage` costs; nil without usage or without a price. The price was looked up when
    /// the snapshot was built, so this is arithmetic only, on every request.
    static func cost(of usage: Usage?, at price: ModelPrice?) -> Money? {
        guard let usage, let price else { return nil }
        return price.cost(usage: usage)
    }

    /// A failure before any answer byte: the event carries what the client was told, and the
    /// provider and attempts the error names (`X-Provider`, `X-Gatewyse-Attempts`).
    func fail(_ error: GatewayError) {
        var provider: String?
        var attempts = 0
        for (name, value) in error.headers {
            if name == "X-Provider" { provider = value }
            if name == "X-Gatewyse-Attempts" { attempts = Int(value) ?? 0 }
        }
        complete(.failed(status: error.status, code: error.code), providerID: provider, attempts: attempts)
    }
}
