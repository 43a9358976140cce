import GatewyseCore
import GatewyseStorage

extension UsageRecord {
    /// The record of a completion event, or nil when the caller never authenticated (there is
    /// no tenant to charge, and an unauthenticated flood must not fill the usage queue).
    ///
    /// Requests refused by governance after authentication (capability, address, rate limit,
    /// budget, validation) are recorded, with their status, code and zero tokens: the admin
    /// report's `errors` counts them.
    /// `id`: the gateway's idempotency key; `time`: the end of the request, Unix ms.
    public init?(_ event: CompletionEvent, id: String, time: Int64) {
        guard let principal = event.principal else { return nil }
        self = Self.completed(event, principal: principal, id: id, time: time)
    }

    /// The record of an authenticated caller's request, moved into the usage queue. A function,
    /// not an initializer: an initializer's parameters are owned, so the observer copied the
    /// whole event (a retain and a release per field) to hand it over.
    static func completed(_ event: CompletionEvent, principal: Principal, id: String, time: Int64) -> UsageRecord {
        let status: Int, code: String?
        switch event.outcome {
        case .answered, .streamFinished: (status, code) = (200, nil)
        case .failed(let failedStatus, let failedCode): (status, code) = (failedStatus, failedCode)
        // The 200 and its headers were sent; the break is told in-band.
        case .streamFailed(let failedCode): (status, code) = (200, failedCode)
        // nginx's "client closed request": nothing of an error was told to anyone.
        case .clientGone: (status, code) = (499, nil)
        }
        // Read in place: `let usage = event.usage` copied the whole `Usage`.
        return UsageRecord(
            id: id, requestID: event.requestID, time: time, tenantID: principal.tenantID, organizationID: principal.organizationID,
            departmentID: principal.departmentID, userID: principal.userID, keyID: principal.keyID, capability: event.endpoint.capability.rawValue,
            requestedModel: event.requestedModel, providerID: event.providerID, upstreamModel: event.upstreamModel,
            inputTokens: event.usage?.promptTokens ?? 0, outputTokens: event.usage?.completionTokens ?? 0,
            cachedTokens: event.usage?.cachedPromptTokens ?? 0, cacheWriteTokens: event.usage?.cacheWriteTokens ?? 0,
            reasoningTokens: event.usage?.reasoningTokens ?? 0,
            costNanos: event.cost?.nanos, latencyMs: Self.milliseconds(event.duration), ttftMs: event.timeToFirstByte.map(Self.milliseconds),
            status: status, errorCode: code, attempts: event.attempts, cacheHit: event.cacheStatus == .hit,
            usageEstimated: event.usageEstimated, outcome: Outcome(event.outcome))
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}

extension UsageRecord.Outcome {
    init(_ outcome: CompletionEvent.Outcome) {
        switch outcome {
        case .answered: self = .answered
        case .failed: self = .failed
        case .streamFinished: self = .streamFinished
        case .streamFailed: self = .streamFailed
        case .clientGone: self = .clientGone
        }
    }
}
