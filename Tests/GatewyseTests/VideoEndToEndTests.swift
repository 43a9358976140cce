import AsyncHTTPClient
import Foundation
import GatewyseCore
@testable import GatewyseEngine
import GatewyseProviders
@testable import GatewyseTesting
import NIOCore
import Testing

/// `POST /v1/video/generations` through the real gateway and the Replicate mock: a video that
/// finishes within the request is answered at once (and counted, without a price); one that
/// does not is a 202 job that `GET /v1/video/generations/{id}` follows — for its own tenant only
/// — to its video or its failure; what no provider can make is a 400; the job records are
/// bounded in number and time.
@Suite("Video generation end to end", .serialized)
struct VideoEndToEndTests {
    static let otherKey = APIKeyMaterial.generate()

    static func withGateway(totalTimeout: Double? = nil, _ body: (TestGateway, RecordingObserver, MockReplicateUpstream) async throws -> Void) async throws {
        let replicate = try await MockReplicateUpstream.start()
        let observer = RecordingObserver()
        let gateway = try await TestGateway.start(extraProviders: [
            ProviderConfiguration(id: "rep", entry: ProviderCatalog.entry(forType: "replicate")!, baseURL: replicate.baseURL,
                                  apiKey: Secret("r8_e2e_token_0123456789")),
        ], extraModels: [
            ModelAlias(name: "film", strategy: .failover, targets: [ModelTarget(provider: "mock", model: "error-500", priority: 1),
                                                                    ModelTarget(provider: "rep", model: "google/veo-3-fast", priority: 2)]),
        ], observers: [observer], configure: { configuration in
            if let totalTimeout { configuration.upstream.totalTimeout = totalTimeout }
            configuration.tenants.append(TenantSeed(id: "globex", name: "Globex", apiKeys: [("other", Secret(Self.otherKey))]))
        })
        do { try await body(gateway, observer, replicate) } catch {
            await gateway.stop()
            await replicate.stop()
            throw error
        }
        await gateway.stop()
        await replicate.stop()
    }

    static func generate(_ gateway: TestGateway, _ body: String) async throws -> EndToEndTests.Reply {
        try await EndToEndTests.post(gateway, "/v1/video/generations", body: body)
    }

    static func job(_ gateway: TestGateway, _ id: String, key: String? = nil) async throws -> EndToEndTests.Reply {
        var request = HTTPClientRequest(url: gateway.baseURL + "/v1/video/generations/" + id)
        request.headers.add(name: "Authorization", value: "Bearer \(key ?? gateway.apiKey)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1024 * 1024)
        return EndToEndTests.Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }

    @Test("a video that finishes within the request is the answer, counted in videos and seconds, with no cost")
    func synchronous() async throws {
        try await Self.withGateway { gateway, observer, replicate in
            let reply = try await Self.generate(gateway, #"{"model":"film","prompt":"a wave at dawn","duration":8,"aspect_ratio":"16:9","resolution":"720p"}"#)
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.headers.first(name: "x-provider") == "rep")
            let video = try #require(reply.json?["data"]?.arrayValue?.first)
            #expect(video["url"]?.stringValue?.hasPrefix(replicate.baseURL + "/delivery/") == true && video["url"]?.stringValue?.hasSuffix(".mp4") == true)
            #expect(video["duration"] == 8 && video["revised_prompt"] == .null)
            #expect(reply.json?["created"]?.doubleValue != nil && reply.json?["id"] == nil)
            let create = try #require(replicate.requests.first)
            #expect(create.path == "/v1/models/google/veo-3-fast/predictions")
            #expect(create.body == ["input": ["prompt": "a wave at dawn", "duration": 8, "aspect_ratio": "16:9", "resolution": "720p"]])
            let event = try #require(try await observer.settle(count: 1).last)
            #expect(event.endpoint == .videoGenerations && event.outcome == .answered)
            #expect(event.media == MediaUsage(videos: 1, videoSeconds: 8))
            #expect(event.cost == nil)
        }
    }

    @Test("a video still running at the deadline is a 202 job, asked after until it is done, by its own tenant only")
    func job() async throws {
        try await Self.withGateway(totalTimeout: 1.5) { gateway, observer, replicate in
            let accepted = try await Self.generate(gateway, #"{"model":"rep/minimax/hailuo-02","prompt":"a long take [mock:slow]","duration":6}"#)
            #expect(accepted.status == 202, "\(accepted.body)")
            let id = try #require(accepted.json?["id"]?.stringValue)
            #expect(id.hasPrefix("vgen_") && accepted.json?["status"] == "in_progress" && accepted.json?["object"] == "video.generation")
            #expect(accepted.json?["model"] == "rep/minimax/hailuo-02")
            #expect(accepted.headers.first(name: "location") == "/v1/video/generations/" + id)
            let event = try #require(try await observer.settle(count: 1).last)
            #expect(event.outcome == .answered && event.media == nil && event.providerID == "rep")
            // The prediction was not cancelled: it is the client's to collect.
            #expect(!replicate.requests.contains { $0.path.hasSuffix("/cancel") })

            let pending = try await Self.job(gateway, id)
            #expect(pending.status == 200 && pending.json?["status"] == "in_progress", "\(pending.body)")
            #expect(try await Self.job(gateway, id, key: Self.otherKey).status == 404)
            #expect(try await Self.job(gateway, "vgen_0123456789abcdef0123456789abcdef").status == 404)

            var done: EndToEndTests.Reply?
            for _ in 0..<60 {
                let reply = try await Self.job(gateway, id)
                if reply.json?["status"] != "in_progress" { done = reply; break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let finished = try #require(done)
            #expect(finished.json?["status"] == "completed", "\(finished.body)")
            let video = try #require(finished.json?["data"]?.arrayValue?.first)
            #expect(video["url"]?.stringValue?.hasSuffix("/out-0.mp4") == true && video["duration"] == 6)
            // Completed jobs answer from the record: no more calls upstream.
            let calls = replicate.requests.count
            #expect(try await Self.job(gateway, id).json?["status"] == "completed")
            #expect(replicate.requests.count == calls)
            #expect(try await Self.job(gateway, id, key: Self.otherKey).status == 404)
        }
    }

    @Test("a job whose prediction fails ends as failed; one whose upstream cannot be asked stays in progress")
    func failures() async throws {
        try await Self.withGateway(totalTimeout: 1.5) { gateway, _, replicate in
            let failing = try await Self.generate(gateway, #"{"model":"rep/minimax/hailuo-02","prompt":"x [mock:slow] [mock:failed]"}"#)
            #expect(failing.status == 202, "\(failing.body)")
            let failingID = try #require(failing.json?["id"]?.stringValue)
            let running = try await Self.generate(gateway, #"{"model":"rep/minimax/hailuo-02","prompt":"y [mock:stuck]"}"#)
            let runningID = try #require(running.json?["id"]?.stringValue)
            var failed: EndToEndTests.Reply?
            for _ in 0..<60 {
                let reply = try await Self.job(gateway, failingID)
                if reply.json?["status"] != "in_progress" { failed = reply; break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let ended = try #require(failed)
            #expect(ended.json?["status"] == "failed" && ended.json?["error"]?["code"] == "UPSTREAM_ERROR", "\(ended.body)")
            #expect(ended.json?["error"]?["message"]?.stringValue?.contains("CUDA error") == true)

            await replicate.stop()
            let unreachable = try await Self.job(gateway, runningID)
            #expect(unreachable.status == 502 && unreachable.code == "UPSTREAM_UNAVAILABLE", "\(unreachable.body)")
            #expect(try await Self.job(gateway, runningID).status == 502)
        }
    }

    @Test("what no provider can make is a 400 before any call, and the body is checked like the spec says")
    func refusals() async throws {
        try await Self.withGateway { gateway, _, replicate in
            let two = try await Self.generate(gateway, #"{"model":"rep/google/veo-3-fast","prompt":"p","n":2}"#)
            #expect(two.status == 400 && two.body.contains("makes one video per request"), "\(two.body)")
            let long = try await Self.generate(gateway, #"{"model":"rep/google/veo-3-fast","prompt":"p","duration":61}"#)
            #expect(long.status == 400 && long.body.contains("duration"), "\(long.body)")
            let ratio = try await Self.generate(gateway, #"{"model":"rep/google/veo-3-fast","prompt":"p","aspect_ratio":"4:3"}"#)
            #expect(ratio.status == 400 && ratio.body.contains("aspect_ratio"), "\(ratio.body)")
            let chatOnly = try await Self.generate(gateway, #"{"model":"mock-chat","prompt":"p"}"#)
            #expect(chatOnly.status == 400, "\(chatOnly.body)")
            let huge = try await Self.generate(gateway, #"{"model":"rep/google/veo-3-fast","prompt":"p","pad":"\#(String(repeating: "x", count: 1_100_000))"}"#)
            #expect(huge.status == 413, "\(huge.status)")
            #expect(replicate.requests.isEmpty)
        }
    }
}

/// The job records' bounds, without a socket.
@Suite("Video jobs: bounded in number and time")
struct VideoJobsTests {
    static func running() throws -> SuspendedJob<VideoGenerationResponse> {
        let adapter = ProviderRegistry.makeAdapter(for: ProviderConfiguration(id: "rep", entry: ProviderCatalog.entry(forType: "replicate")!,
                                                                              baseURL: "http://127.0.0.1:9", apiKey: Secret("r8_k")))
        var job = adapter.makeVideoJob(for: VideoGenerationRequest(model: "m", prompt: "p"), upstreamModel: "o/m")
        guard case .send(let next, _) = try job.next(status: 201, headers: [], body: Array(#"{"id":"pred1","status":"processing"}"#.utf8)) else {
            throw GatewayError.internalError("expected a poll")
        }
        return SuspendedJob(job: job, next: next, adapter: adapter, allowPrivateNetwork: false)
    }

    @Test func theOldestRecordLeavesFirstAndItsPredictionIsCancelled() throws {
        let cancellations = UpstreamCancellations()
        let jobs = VideoJobs(capacity: 2, cancellations: cancellations)
        let ids = try (0..<3).map { _ in
            jobs.insert(tenantID: "acme", model: "m", providerID: "rep", upstreamModel: "o/m", created: 0, durationSeconds: nil, job: try Self.running())
        }
        guard case .notFound = jobs.beginPoll(id: ids[0], tenantID: "acme") else { Issue.record("the oldest should be gone"); return }
        guard case .poll = jobs.beginPoll(id: ids[2], tenantID: "acme") else { Issue.record("the newest should be running"); return }
        guard case .notFound = jobs.beginPoll(id: ids[1], tenantID: "globex") else { Issue.record("another tenant must not see it"); return }
        #expect(cancellations.take().map(\.url) == ["http://127.0.0.1:9/v1/predictions/pred1/cancel"])
    }

    @Test func recordsExpire() async throws {
        let cancellations = UpstreamCancellations()
        let jobs = VideoJobs(lifetime: .milliseconds(50), cancellations: cancellations)
        let id = jobs.insert(tenantID: "acme", model: "m", providerID: "rep", upstreamModel: "o/m", created: 0, durationSeconds: nil, job: try Self.running())
        guard case .poll = jobs.beginPoll(id: id, tenantID: "acme") else { Issue.record("expected a running job"); return }
        jobs.finishPoll(id: id, state: .running(try Self.running()))
        try await Task.sleep(for: .milliseconds(80))
        guard case .notFound = jobs.beginPoll(id: id, tenantID: "acme") else { Issue.record("the record should have expired"); return }
        #expect(cancellations.take().count == 1)
    }

    @Test func aJobBeingPolledIsAnsweredFromItsRecord() throws {
        let jobs = VideoJobs(cancellations: UpstreamCancellations())
        let id = jobs.insert(tenantID: "acme", model: "m", providerID: "rep", upstreamModel: "o/m", created: 0, durationSeconds: nil, job: try Self.running())
        guard case .poll = jobs.beginPoll(id: id, tenantID: "acme") else { Issue.record("expected a running job"); return }
        guard case .settled(let record) = jobs.beginPoll(id: id, tenantID: "acme") else { Issue.record("a second caller must not poll too"); return }
        #expect(record.status == .inProgress)
        jobs.finishPoll(id: id, state: .completed(VideoGenerationResponse(videos: [GeneratedVideo(url: "https://x/v.mp4")])))
        guard case .settled(let done) = jobs.beginPoll(id: id, tenantID: "acme") else { Issue.record("expected a settled job"); return }
        #expect(done.status == .completed(VideoGenerationResponse(videos: [GeneratedVideo(url: "https://x/v.mp4")])))
    }
}
