import GatewyseCore
import GatewyseProviders

// `POST /v1/video/generations` (product-spec §2.10): governed like every media route (the
// engine's `serve`), then a job followed until the request's deadline (`RouteExecutor.video`).
// A video finished by then is the answer; one still running is kept (`VideoJobs`) and answered
// 202 with its id, which `GET /v1/video/generations/{id}` asks after (decisions/0023).

extension InferenceEngine {
    func serveVideo(_ request: VideoGenerationRequest, route: ResolvedRoute, tenantID: String,
                    exchange: InferenceExchange) async throws -> InferenceReply {
        let attempted = try await executor.video(request, route: route, tenantID: tenantID, logger: exchange.context.logger,
                                                 deadline: exchange.context.deadline, trace: exchange.trace)
        let created = UnixClock.now()
        switch attempted.value.value {
        case .finished(let response):
            // No video prices in the unit price book: the usage record carries no cost.
            return answered(attempted, usage: nil, body: VideoGenerationsWire.encodeResponse(response, created: created), exchange: exchange,
                            media: Self.videoUsage(response, durationSeconds: request.duration))
        case .suspended(let job):
            let id = videoJobs.insert(tenantID: tenantID, model: request.model, providerID: attempted.providerID,
                                      upstreamModel: attempted.upstreamModel, created: created, durationSeconds: request.duration, job: job)
            exchange.context.logger.info("video generation continues as a job", metadata: ["job": "\(id)", "provider": "\(attempted.providerID)"])
            // Nothing made yet: the request is recorded without media units.
            return answered(attempted, usage: nil, body: VideoGenerationsWire.encodeJob(id: id, model: request.model, created: created, status: .inProgress),
                            exchange: exchange, status: 202, headers: [("Location", "/v1/video/generations/" + id)])
        }
    }

    static func videoUsage(_ response: VideoGenerationResponse, durationSeconds: Int?) -> MediaUsage {
        MediaUsage(videos: response.videos.count, videoSeconds: durationSeconds.map { $0 * response.videos.count })
    }

    /// `GET /v1/video/generations/{id}` for an authenticated principal (the transport checked
    /// the key, its tenant and the `video-generation` scope): the job as it stands, after one
    /// more look at the upstream when it is still running and nobody else is looking. Another
    /// tenant's id, an unknown one and an expired one are all 404. A poll the upstream could not
    /// answer (a timeout, a 5xx, a 429) is that error, and the job stays running; one that says
    /// the job is over for good (a failed prediction, a 404) ends it as `failed`.
    public func videoGeneration(id: String, principal: Principal) async throws(GatewayError) -> (status: Int, headers: [(String, String)], body: [UInt8]) {
        let notFound = GatewayError.notFound("No video generation '\(id)' for this tenant (jobs are kept for \(videoJobs.lifetime.components.seconds / 60) minutes).")
        let record: VideoJobs.Record
        switch videoJobs.beginPoll(id: id, tenantID: principal.tenantID) {
        case .notFound:
            throw notFound
        case .settled(let settled):
            record = settled
        case .poll(let polled, let job):
            let state: VideoJobs.State
            let resumed: RouteExecutor.Resumed<VideoGenerationResponse>
            do {
                resumed = try await executor.resume(job, deadline: .now)
            } catch {
                // The client left while the upstream was asked: the job is as it was.
                videoJobs.finishPoll(id: id, state: .running(job))
                throw GatewayError.internalError("The video generation could not be looked up: the request was cancelled.")
            }
            switch resumed {
            case .finished(let response): state = .completed(response)
            case .suspended(let next): state = .running(next)
            case .ended(let failure): state = .failed(failure.error)
            case .unanswered(let failure):
                videoJobs.finishPoll(id: id, state: .running(job))
                var error = failure.error
                error.headers.append(("X-Provider", polled.providerID))
                throw error
            }
            guard let updated = videoJobs.finishPoll(id: id, state: state) else { throw notFound }
            record = updated
        }
        let body = VideoGenerationsWire.encodeJob(id: record.id, model: record.model, created: record.created, status: record.status)
        return (200, [("Content-Type", "application/json"), ("X-Provider", record.providerID)], body)
    }
}
