import GatewyseCore
import GatewyseProviders
import Logging

/// Runs a request against its candidates in order (ARCHITECTURE rule 4: failover lives here
/// once). A retryable failure (connect error, timeout, 429, 5xx) moves on to the next candidate;
/// a non-retryable one (the request itself is wrong) is returned at once. When every candidate
/// failed, the last failure is what the client sees.
public struct RouteExecutor: Sendable {
    let transport: any UpstreamTransport
    let settings: UpstreamSettings
    /// Largest upstream response body read into memory (non-streaming).
    let maximumResponseBytes = 64 * 1024 * 1024
    let maximumErrorBytes = 256 * 1024

    public init(transport: any UpstreamTransport, settings: UpstreamSettings) {
        self.transport = transport
        self.settings = settings
    }

    /// The outcome of a successful attempt, and how many attempts it took.
    public struct Attempted<Value: Sendable>: Sendable {
        public var value: Value
        public var providerID: String
        public var upstreamModel: String
        public var attempts: Int
    }

    public func chat(_ request: ChatRequest, candidates: [RouteCandidate], logger: Logger) async throws -> Attempted<ChatResponse> {
        try await run(request, candidates: candidates, logger: logger) { candidate, response in
            let body = try await response.body.collect(upTo: maximumResponseBytes)
            return try candidate.adapter.parseChatResponse(status: response.status, headers: response.headers, body: body)
        }
    }

    /// Opens a stream. Failover happens only until an upstream answers 2xx: from then on bytes may
    /// have reached the client, and a retry would duplicate them.
    public func chatStream(_ request: ChatRequest, candidates: [RouteCandidate], logger: Logger) async throws -> Attempted<ChatStream> {
        try await run(request, candidates: candidates, logger: logger) { candidate, response in
            ChatStream(body: response.body, decoder: candidate.adapter.makeChatStreamDecoder(for: request),
                       providerID: candidate.adapter.providerID, includeUsage: request.includeStreamUsage)
        }
    }

    private func run<Value: Sendable>(
        _ request: ChatRequest, candidates: [RouteCandidate], logger: Logger,
        onSuccess: (RouteCandidate, UpstreamResponse) async throws -> Value
    ) async throws -> Attempted<Value> {
        var lastError: GatewayError?
        var skipped: [String] = []
        var attempts = 0
        for candidate in candidates {
            if let reason = candidate.adapter.incompatibility(with: request) {
                skipped.append("\(candidate.adapter.providerID) \(reason)")
                continue
            }
            attempts += 1
            let providerID = candidate.adapter.providerID
            let upstreamRequest = try candidate.adapter.makeChatRequest(request, upstreamModel: candidate.upstreamModel)
            let response: UpstreamResponse
            do {
                response = try await transport.send(upstreamRequest, timeouts: settings)
            } catch let error as UpstreamTransportError {
                var gatewayError = error.gatewayError(provider: providerID)
                gatewayError.headers.append(("X-Provider", providerID))
                logger.warning("upstream attempt failed", metadata: ["provider": "\(providerID)", "error": "\(gatewayError.code)"])
                lastError = gatewayError
                continue
            }
            if (200..<300).contains(response.status) {
                do {
                    let value = try await onSuccess(candidate, response)
                    return Attempted(value: value, providerID: providerID, upstreamModel: candidate.upstreamModel, attempts: attempts)
                } catch let error as UpstreamTransportError {
                    lastError = error.gatewayError(provider: providerID)
                    lastError?.headers.append(("X-Provider", providerID))
                    continue
                }
            }
            let errorBody = (try? await response.body.collect(upTo: maximumErrorBytes)) ?? []
            var failure = candidate.adapter.parseFailure(status: response.status, headers: response.headers, body: errorBody)
            failure.error.headers.append(("X-Provider", providerID))
            logger.warning("upstream answered an error", metadata: ["provider": "\(providerID)", "status": "\(response.status)", "retryable": "\(failure.retryable)"])
            guard failure.retryable else { throw failure.error }
            lastError = failure.error
        }
        if let lastError { throw lastError }
        if !skipped.isEmpty {
            throw GatewayError.unsupportedCapability("No provider for model '\(request.model)' can serve this request: \(skipped.joined(separator: "; ")).")
        }
        throw GatewayError.noProviderAvailable("Model '\(request.model)' has no configured provider.")
    }
}
