import Foundation
import GatewyseCore
@testable import GatewyseEngine
import GatewyseProviders
@testable import GatewyseTesting
import Testing

/// Replicate through the real gateway and its validating mock: a prediction answered in sync
/// mode, one followed through polls and its files fetched for `b64_json`, failover away from a
/// failed prediction, the deadline (a 504, and the prediction cancelled upstream), the address
/// check on linked files, and the provider's errors as the client sees them.
@Suite("Replicate end to end", .serialized)
struct ReplicateEndToEndTests {
    static func withGateway(totalTimeout: Double? = nil,
                            _ body: (TestGateway, RecordingObserver, MockReplicateUpstream, MockStabilityUpstream) async throws -> Void) async throws {
        let replicate = try await MockReplicateUpstream.start()
        let stability = try await MockStabilityUpstream.start()
        let observer = RecordingObserver()
        let gateway = try await TestGateway.start(extraProviders: [
            ProviderConfiguration(id: "rep", entry: ProviderCatalog.entry(forType: "replicate")!, baseURL: replicate.baseURL,
                                  apiKey: Secret("r8_e2e_token_0123456789")),
            ProviderConfiguration(id: "stability", entry: ProviderCatalog.entry(forType: "stability")!, baseURL: stability.baseURL,
                                  apiKey: Secret("sk-stability-e2e")),
        ], extraModels: [
            ModelAlias(name: "draw", strategy: .failover, targets: [ModelTarget(provider: "rep", model: "black-forest-labs/flux-schnell", priority: 1),
                                                                    ModelTarget(provider: "stability", model: "sd3.5-large", priority: 2)]),
        ], observers: [observer], configure: { configuration in
            if let totalTimeout { configuration.upstream.totalTimeout = totalTimeout }
        })
        do { try await body(gateway, observer, replicate, stability) } catch {
            await gateway.stop()
            await replicate.stop()
            await stability.stop()
            throw error
        }
        await gateway.stop()
        await replicate.stop()
        await stability.stop()
    }

    static func images(_ gateway: TestGateway, _ body: String) async throws -> EndToEndTests.Reply {
        try await EndToEndTests.post(gateway, "/v1/images/generations", body: body)
    }

    @Test("a fast model answers in sync mode: one call, its output URLs, two images counted")
    func syncMode() async throws {
        try await Self.withGateway { gateway, observer, replicate, _ in
            let reply = try await Self.images(gateway, #"{"model":"rep/black-forest-labs/flux-schnell","prompt":"a red square","n":2,"size":"1024x1024"}"#)
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.headers.first(name: "x-provider") == "rep")
            let urls = try #require(reply.json?["data"]?.arrayValue).compactMap { $0["url"]?.stringValue }
            #expect(urls.count == 2 && urls.allSatisfy { $0.hasPrefix(replicate.baseURL + "/delivery/") && $0.hasSuffix(".webp") })
            let sent = replicate.requests
            #expect(sent.map(\.method) == ["POST"])
            #expect(sent[0].path == "/v1/models/black-forest-labs/flux-schnell/predictions")
            #expect(sent[0].headers["authorization"] == "Bearer r8_e2e_token_0123456789")
            // The test gateway's first-byte timeout is 1.5 s: the wait is cut to 1 s.
            #expect(sent[0].headers["prefer"] == "wait=1")
            #expect(sent[0].body == ["input": ["prompt": "a red square", "num_outputs": 2, "aspect_ratio": "1:1"]])
            let event = try #require(try await observer.settle(count: 1).last)
            #expect(event.outcome == .answered && event.media?.images == 2 && event.providerID == "rep")
        }
    }

    @Test("a slower model is polled, and b64_json fetches its file without the key")
    func pollingAndBase64() async throws {
        try await Self.withGateway { gateway, _, replicate, _ in
            let reply = try await Self.images(gateway, #"{"model":"rep/black-forest-labs/flux-1.1-pro","prompt":"a blue circle","response_format":"b64_json","output_format":"png"}"#)
            #expect(reply.status == 200, "\(reply.body)")
            let image = try #require(reply.json?["data"]?.arrayValue?.first?["b64_json"]?.stringValue)
            #expect(image == MockMedia.pngBase64)
            let sent = replicate.requests
            #expect(sent.first?.method == "POST" && sent.first?.body == ["input": ["prompt": "a blue circle", "output_format": "png"]])
            let polls = sent.filter { $0.method == "GET" && $0.path.hasPrefix("/v1/predictions/") }
            #expect(polls.count >= 2, "\(sent.map(\.path))")
            #expect(polls.allSatisfy { $0.headers["authorization"] == "Bearer r8_e2e_token_0123456789" && $0.headers["prefer"] == nil })
            let download = try #require(sent.last)
            #expect(download.path.hasPrefix("/delivery/") && download.path.hasSuffix("/out-0.png"))
            #expect(download.headers["authorization"] == nil)
        }
    }

    @Test("a failed prediction fails over to Stability AI")
    func failover() async throws {
        try await Self.withGateway { gateway, _, replicate, stability in
            let reply = try await Self.images(gateway, #"{"model":"draw","prompt":"a cat [mock:failed]","response_format":"b64_json"}"#)
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.headers.first(name: "x-provider") == "stability")
            // The failed prediction is retryable: the retry policy may try Replicate again first.
            let creates = replicate.requests.filter { $0.method == "POST" && $0.path.hasSuffix("/predictions") }.count
            #expect(creates >= 1 && Int(reply.headers.first(name: "x-gatewyse-attempts") ?? "") == creates + 1)
            #expect(stability.requests.count == 1)
        }
    }

    @Test("a prediction that outlives the deadline is a 504, and is cancelled upstream")
    func deadlineCancels() async throws {
        try await Self.withGateway(totalTimeout: 1.0) { gateway, _, replicate, _ in
            let reply = try await Self.images(gateway, #"{"model":"rep/black-forest-labs/flux-schnell","prompt":"forever [mock:stuck]"}"#)
            #expect(reply.status == 504, "\(reply.body)")
            #expect(reply.body.contains("did not finish the job before the request's deadline"))
            let id = try #require(replicate.requests.first { $0.method == "GET" }?.path.split(separator: "/").last.map(String.init))
            var cancelled = false
            for _ in 0..<40 where !cancelled {
                cancelled = replicate.requests.contains { $0.method == "POST" && $0.path == "/v1/predictions/\(id)/cancel" }
                if !cancelled { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(cancelled)
            #expect(replicate.status(of: id) == "canceled")
        }
    }

    @Test("a linked file on a metadata address is not fetched")
    func linkedFilesAreAddressChecked() async throws {
        try await Self.withGateway { gateway, _, replicate, _ in
            let reply = try await Self.images(gateway, #"{"model":"rep/black-forest-labs/flux-schnell","prompt":"x [mock:metadata-url]","response_format":"b64_json"}"#)
            #expect(reply.status == 502, "\(reply.body)")
            #expect(reply.body.contains("may not fetch") && reply.body.contains("link-local"))
            // Asking for URLs instead hands the link on without fetching it.
            let urls = try await Self.images(gateway, #"{"model":"rep/black-forest-labs/flux-schnell","prompt":"x [mock:metadata-url]"}"#)
            #expect(urls.json?["data"]?.arrayValue?.first?["url"]?.stringValue == "http://169.254.169.254/latest/meta-data/out-0.png")
            #expect(replicate.requests.allSatisfy { !$0.path.hasPrefix("/latest") })
        }
    }

    @Test("Replicate's errors reach the client classified: 422 as is, 429 with Retry-After, 402 as the gateway's billing")
    func errors() async throws {
        try await Self.withGateway { gateway, _, _, _ in
            let invalid = try await Self.images(gateway, #"{"model":"rep/black-forest-labs/flux-schnell","prompt":"p","aspect_ratio":"7:3"}"#)
            #expect(invalid.status == 422 && invalid.code == "UPSTREAM_REJECTED" && invalid.body.contains("aspect_ratio"), "\(invalid.body)")
            let throttled = try await Self.images(gateway, #"{"model":"rep/black-forest-labs/flux-schnell","prompt":"p [mock:error-429]"}"#)
            #expect(throttled.status == 429 && throttled.headers.first(name: "retry-after") == "1", "\(throttled.body)")
            let billing = try await Self.images(gateway, #"{"model":"rep/black-forest-labs/flux-schnell","prompt":"p [mock:error-402]"}"#)
            #expect(billing.status == 502 && billing.code == "UPSTREAM_BILLING_FAILED", "\(billing.body)")
            let unknown = try await Self.images(gateway, #"{"model":"rep/nobody/nothing","prompt":"p"}"#)
            #expect(unknown.status == 404, "\(unknown.body)")
        }
    }
}
