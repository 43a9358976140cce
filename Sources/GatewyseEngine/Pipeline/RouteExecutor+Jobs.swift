import GatewyseCore
import GatewyseProviders

// Providers whose answer is a job to follow (AssemblyAI's upload → transcript → poll):
// the adapter's job says which call comes next; this sends them, inside the attempt that
// started the job, so a failure anywhere in it is a failed attempt (retry, failover, circuit
// feedback as for any other) and the client sees one answer. Bounded by the request's
// deadline; a client that leaves cancels the task, which ends the pause or the call under way.

extension RouteExecutor {
    func follow(_ job: inout any TranscriptionJob, status: Int, headers: [(String, String)], body: [UInt8],
                candidate: RouteCandidate, deadline: ContinuousClock.Instant) async throws -> TranscriptionResponse {
        let providerID = candidate.adapter.providerID
        var step = try job.next(status: status, headers: headers, body: body)
        while true {
            switch step {
            case .finished(let value):
                return value
            case .send(var request, let pause):
                let wait = UpstreamNumber.duration(max(pause, 0))
                guard ContinuousClock.now + wait < deadline else {
                    var error = GatewayError.upstreamTimeout(providerID)
                    error.message = "Provider '\(providerID)' did not finish the job before the request's deadline."
                    throw UpstreamFailure(error: error, retryable: false)
                }
                if pause > 0 { try await Task.sleep(for: wait) }
                request.allowPrivateNetwork = candidate.allowPrivateNetwork
                let response = try await transport.send(request, timeouts: settings)
                guard (200..<300).contains(response.status) else {
                    let errorBody = (try? await response.collectBody(upTo: maximumErrorBytes)) ?? []
                    throw candidate.adapter.parseFailure(status: response.status, headers: response.headers, body: errorBody)
                }
                let answer = try await response.collectBody(upTo: maximumResponseBytes)
                step = try job.next(status: response.status, headers: response.headers, body: answer)
            }
        }
    }
}
