import Foundation
import GatewyseCore
import GatewyseProviders

// Providers whose answer is a job to follow (AssemblyAI's upload → transcript → poll,
// Replicate's prediction → poll → output files): the adapter's job says which call comes next;
// this sends them, inside the attempt that started the job, so a failure anywhere in it is a
// failed attempt (retry, failover, circuit feedback as for any other) and the client sees one
// answer. Bounded by the request's deadline; a client that leaves cancels the task, which ends
// the pause or the call under way. Work the gateway gives up on is cancelled upstream when the
// provider has a call for it (`UpstreamJob.cancellation`), off the request path.

/// A job stopped at the request's deadline, to be resumed later (a video generation answered
/// 202): the job waiting for the answer to `next`, and what sending it needs.
public struct SuspendedJob<Value: Sendable>: Sendable {
    var job: any UpstreamJob<Value>
    var next: UpstreamRequest
    let adapter: any ProviderAdapter
    let allowPrivateNetwork: Bool
    public var providerID: String { adapter.providerID }
    /// The call that stops the work upstream, while it runs.
    public var cancellation: UpstreamRequest? { job.cancellation }
    /// Every call that stops it (`UpstreamJob.cancellations`).
    public var cancellations: [UpstreamRequest] { job.cancellations }
}

/// Where a followed job stopped.
enum FollowedJob<Value: Sendable>: Sendable {
    case finished(Value)
    case suspended(SuspendedJob<Value>)
}

extension RouteExecutor {
    /// Follows a job to its end; at the deadline it is a 504 (and its work is cancelled upstream).
    func follow<Value: Sendable>(_ job: inout any UpstreamJob<Value>, status: Int, headers: [(String, String)], body: [UInt8],
                       candidate: RouteCandidate, deadline: ContinuousClock.Instant) async throws -> Value {
        switch try await advance(&job, status: status, headers: headers, body: body, adapter: candidate.adapter,
                                 allowPrivateNetwork: candidate.allowPrivateNetwork, deadline: deadline, suspendAtDeadline: false,
                                 cancelsWhenAbandoned: true) {
        case .finished(let value): return value
        case .suspended: throw Self.deadlineFailure(candidate.adapter.providerID)
        }
    }

    static func deadlineFailure(_ providerID: String) -> UpstreamFailure {
        var error = GatewayError.upstreamTimeout(providerID)
        error.message = "Provider '\(providerID)' did not finish the job before the request's deadline."
        return UpstreamFailure(error: error, retryable: false)
    }

    /// Feeds the job `body`, then sends its calls until it finishes, fails, or — with
    /// `suspendAtDeadline` — the next pause would end past `deadline`, where it is handed back
    /// still running. With `cancelsWhenAbandoned`, a job given up on any other way (a failure,
    /// the deadline, the client leaving) has its cancel call queued (`UpstreamCancellations`):
    /// nobody could ever collect its result.
    func advance<Value: Sendable>(_ job: inout any UpstreamJob<Value>, status: Int, headers: [(String, String)], body: [UInt8],
                        adapter: any ProviderAdapter, allowPrivateNetwork: Bool, deadline: ContinuousClock.Instant,
                        suspendAtDeadline: Bool, cancelsWhenAbandoned: Bool) async throws -> FollowedJob<Value> {
        let providerID = adapter.providerID
        do {
            var step = try job.next(status: status, headers: headers, body: body)
            while true {
                switch step {
                case .finished(let value):
                    return .finished(value)
                case .send(var request, let pause):
                    let wait = UpstreamNumber.duration(max(pause, 0))
                    guard ContinuousClock.now + wait < deadline else {
                        if suspendAtDeadline {
                            return .suspended(SuspendedJob(job: job, next: request, adapter: adapter, allowPrivateNetwork: allowPrivateNetwork))
                        }
                        throw Self.deadlineFailure(providerID)
                    }
                    if pause > 0 { try await Task.sleep(for: wait) }
                    try prepareJobCall(&request, adapter: adapter, allowPrivateNetwork: allowPrivateNetwork,
                                       remaining: Self.seconds(deadline - ContinuousClock.now))
                    let response = try await transport.send(request, timeouts: settings)
                    guard (200..<300).contains(response.status) else {
                        let errorBody = (try? await response.collectBody(upTo: maximumErrorBytes)) ?? []
                        throw adapter.parseFailure(status: response.status, headers: response.headers, body: errorBody)
                    }
                    let answer = try await response.collectBody(upTo: maximumResponseBytes)
                    step = try job.next(status: response.status, headers: response.headers, body: answer)
                }
            }
        } catch {
            if cancelsWhenAbandoned { abandon(job, allowPrivateNetwork: allowPrivateNetwork) }
            throw error
        }
    }

    /// Where a resumed job stands after one more look at the upstream.
    enum Resumed<Value: Sendable>: Sendable {
        case finished(Value)
        case suspended(SuspendedJob<Value>)
        /// The upstream could not be asked this time (no connection, a timeout, a 5xx, a 429):
        /// the job is as it was.
        case unanswered(UpstreamFailure)
        /// The job is over for good: it failed upstream, or the upstream no longer knows it.
        case ended(UpstreamFailure)
    }

    /// Sends a suspended job's next call and follows it no further than `deadline` (a client
    /// asking after a video). Nothing is cancelled upstream from here: the job stays the
    /// client's to ask after. Throws only when the task is cancelled.
    func resume<Value: Sendable>(_ suspended: SuspendedJob<Value>, deadline: ContinuousClock.Instant) async throws -> Resumed<Value> {
        var request = suspended.next
        var job = suspended.job
        let response: UpstreamResponse
        let answer: [UInt8]
        do {
            try prepareJobCall(&request, adapter: suspended.adapter, allowPrivateNetwork: suspended.allowPrivateNetwork,
                               remaining: Self.seconds(deadline - ContinuousClock.now))
            response = try await transport.send(request, timeouts: settings)
            guard (200..<300).contains(response.status) else {
                let errorBody = (try? await response.collectBody(upTo: maximumErrorBytes)) ?? []
                let failure = suspended.adapter.parseFailure(status: response.status, headers: response.headers, body: errorBody)
                return failure.retryable ? .unanswered(failure) : .ended(failure)
            }
            answer = try await response.collectBody(upTo: maximumResponseBytes)
        } catch let error as UpstreamTransportError {
            if Task.isCancelled { throw CancellationError() }
            return .unanswered(UpstreamFailure(error: error.gatewayError(provider: suspended.providerID), retryable: true))
        } catch let failure as UpstreamFailure {
            return .ended(failure)
        }
        do {
            switch try await advance(&job, status: response.status, headers: response.headers, body: answer, adapter: suspended.adapter,
                                     allowPrivateNetwork: suspended.allowPrivateNetwork, deadline: deadline, suspendAtDeadline: true,
                                     cancelsWhenAbandoned: false) {
            case .finished(let value): return .finished(value)
            case .suspended(let next): return .suspended(next)
            }
        } catch let failure as UpstreamFailure {
            return .ended(failure)
        } catch let error as UpstreamTransportError {
            if Task.isCancelled { throw CancellationError() }
            return .unanswered(UpstreamFailure(error: error.gatewayError(provider: suspended.providerID), retryable: true))
        }
    }

    /// Queues the job's cancel calls, if it has any running.
    func abandon<Value: Sendable>(_ job: any UpstreamJob<Value>, allowPrivateNetwork: Bool) {
        for var cancel in job.cancellations {
            cancel.allowPrivateNetwork = allowPrivateNetwork
            cancellations.submit(cancel)
        }
    }

    /// A job's call as it is sent: with the candidate's private-network permission and its
    /// `Prefer: wait` bounded. A call to another origin than the provider's base URL — an output
    /// file the provider links to — has its address judged here first: the transport judges
    /// the addresses a host name resolves to, but takes an address literal as already judged
    /// with the configuration, which this URL never was.
    func prepareJobCall(_ request: inout UpstreamRequest, adapter: any ProviderAdapter, allowPrivateNetwork: Bool,
                        remaining: Double) throws(UpstreamFailure) {
        request.allowPrivateNetwork = allowPrivateNetwork
        Self.writePreferWait(&request, firstByteTimeout: settings.firstByteTimeout, remaining: remaining)
        guard let target = URLComponents(string: request.url), let scheme = target.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = target.host, !host.isEmpty else {
            throw UpstreamFailure(error: .badUpstreamResponse(adapter.providerID, "a job call to a URL that is not http(s)"), retryable: true)
        }
        let base = URLComponents(string: adapter.configuration.baseURL)
        let sameOrigin = base?.scheme?.lowercased() == scheme && base?.host?.lowercased() == host.lowercased() && base?.port == target.port
        guard !sameOrigin else { return }
        if let problem = UpstreamURLPolicy.problem(with: UpstreamURLPolicy.classify(host: host), url: host, allowPrivate: allowPrivateNetwork) {
            throw UpstreamFailure(error: .badUpstreamResponse(adapter.providerID, "it linked to a file the gateway may not fetch: \(problem)"),
                                  retryable: true)
        }
    }

    /// RFC 7240 `Prefer: wait=N` for a call that asks for it (`UpstreamRequest.preferWait`): at
    /// most what was asked, half a second short of the first-byte timeout and of the time left,
    /// so that the upstream answers before either; left out when less than a second is left
    /// (the upstream then answers at once, and the job polls).
    static func writePreferWait(_ request: inout UpstreamRequest, firstByteTimeout: Double, remaining: Double) {
        guard let wanted = request.preferWait else { return }
        request.headers.removeAll { $0.0.lowercased() == "prefer" }
        let allowed = (min(firstByteTimeout, remaining) - 0.5).rounded(.down)
        let wait = allowed.isFinite ? min(wanted, Int(max(allowed, 0))) : wanted
        if wait >= 1 { request.headers.append(("Prefer", "wait=\(wait)")) }
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
