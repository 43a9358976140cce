import AsyncHTTPClient
import Foundation
import GatewyseCore
@testable import GatewyseEngine
import GatewyseProviders
import GatewyseTesting
import Testing

/// ElevenLabs and Stability AI through the real gateway and their validating mocks: failover
/// from a failing OpenAI-format provider, the units the completion event records and their cost
/// at the built-in unit prices (ElevenLabs $0.18 per 1K characters, Stability sd3.5-large
/// $0.065 an image).
@Suite("Media providers end to end: ElevenLabs, Stability AI", .serialized)
struct MediaProvidersEndToEndTests {
    static func withGateway(_ body: (TestGateway, RecordingObserver, MockElevenLabsUpstream, MockStabilityUpstream) async throws -> Void) async throws {
        let elevenLabs = try await MockElevenLabsUpstream.start()
        let stability = try await MockStabilityUpstream.start()
        let observer = RecordingObserver()
        var eleven = ProviderConfiguration(id: "eleven", entry: ProviderCatalog.entry(forType: "elevenlabs")!, baseURL: elevenLabs.baseURL,
                                           apiKey: Secret("xi-e2e-key"))
        eleven.voices = ["alloy": "21m00Tcm4TlvDq8ikWAM"]
        let gateway = try await TestGateway.start(extraProviders: [
            eleven,
            ProviderConfiguration(id: "stability", entry: ProviderCatalog.entry(forType: "stability")!, baseURL: stability.baseURL,
                                  apiKey: Secret("sk-stability-e2e")),
        ], extraModels: [
            ModelAlias(name: "speak", strategy: .failover, targets: [ModelTarget(provider: "mock", model: "error-503", priority: 1),
                                                                     ModelTarget(provider: "eleven", model: "eleven_multilingual_v2", priority: 2)]),
            ModelAlias(name: "draw", strategy: .failover, targets: [ModelTarget(provider: "mock", model: "error-500", priority: 1),
                                                                    ModelTarget(provider: "stability", model: "sd3.5-large", priority: 2)]),
        ], observers: [observer])
        do { try await body(gateway, observer, elevenLabs, stability) } catch {
            await gateway.stop()
            await elevenLabs.stop()
            await stability.stop()
            throw error
        }
        await gateway.stop()
        await elevenLabs.stop()
        await stability.stop()
    }

    @Test("speech fails over to ElevenLabs, streams its MP3 and is billed per character")
    func speech() async throws {
        try await Self.withGateway { gateway, observer, elevenLabs, _ in
            let reply = try await EndToEndTests.post(gateway, "/v1/audio/speech", body: #"{"model":"speak","input":"Hello there","voice":"alloy"}"#)
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.headers.first(name: "content-type") == "audio/mpeg" && reply.headers.first(name: "x-provider") == "eleven")
            let sent = try #require(elevenLabs.requests.last)
            #expect(sent.path == "/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM/stream?output_format=mp3_44100_128")
            #expect(sent.headers["xi-api-key"] == "xi-e2e-key")
            #expect(sent.body == ["text": "Hello there", "model_id": "eleven_multilingual_v2"])
            let event = try #require(try await observer.settle(count: 1).last)
            #expect(event.outcome == .streamFinished && event.media?.characters == 11)
            // $0.18 per 1K characters × 11 = $0.00198.
            #expect(event.cost == Money(usd: "0.00198"))
        }
    }

    @Test("images fail over to Stability AI, come back as b64_json and are billed per image")
    func images() async throws {
        try await Self.withGateway { gateway, observer, _, stability in
            let reply = try await EndToEndTests.post(gateway, "/v1/images/generations",
                                                     body: #"{"model":"draw","prompt":"a red square","size":"1024x1792","response_format":"b64_json"}"#)
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.headers.first(name: "x-provider") == "stability")
            #expect(reply.json?["data"]?.arrayValue?.first?["b64_json"]?.stringValue?.hasPrefix("iVBORw0KGgo") == true)
            let sent = try #require(stability.requests.last)
            #expect(sent.path == "/v2beta/stable-image/generate/sd3")
            #expect(sent.body == ["prompt": "a red square", "model": "sd3.5-large", "aspect_ratio": "9:16", "output_format": "png"])
            let event = try #require(try await observer.settle(count: 1).last)
            #expect(event.media?.images == 1 && event.cost == Money(usd: "0.065"))
        }
    }

    static func upload(_ gateway: TestGateway, model: String, seconds: Int) async throws -> EndToEndTests.Reply {
        try await MediaEndToEndTests.upload(gateway, "/v1/audio/transcriptions", fields: [("model", model)], file: MediaEndToEndTests.wav(seconds: seconds))
    }

    @Test("a transcription fails over to AssemblyAI, is followed through upload, create and polls, and is billed by its audio_duration")
    func assemblyAI() async throws {
        let assemblyAI = try await MockAssemblyAIUpstream.start()
        let observer = RecordingObserver()
        let gateway = try await TestGateway.start(extraProviders: [
            ProviderConfiguration(id: "aai", entry: ProviderCatalog.entry(forType: "assemblyai")!, baseURL: assemblyAI.baseURL, apiKey: Secret("aai-e2e")),
        ], extraModels: [
            ModelAlias(name: "hear", strategy: .failover, targets: [ModelTarget(provider: "mock", model: "error-500", priority: 1),
                                                                    ModelTarget(provider: "aai", model: "universal-2", priority: 2)]),
        ], observers: [observer])
        defer { Task { await gateway.stop(); await assemblyAI.stop() } }
        let reply = try await Self.upload(gateway, model: "hear", seconds: 4)
        #expect(reply.status == 200, "\(reply.body)")
        #expect(reply.headers.first(name: "x-provider") == "aai")
        #expect(reply.json?["text"]?.stringValue == MockAssemblyAIUpstream.transcriptText)
        #expect(assemblyAI.requests.map(\.method) == ["POST", "POST", "GET", "GET"])
        let event = try #require(try await observer.settle(count: 1).last)
        #expect(event.media?.audioMilliseconds == 4_000)
        // Universal-2 at $0.15 an hour × 4 s = $0.000166666… → $0.000166667 (nano-dollars, rounded half up).
        #expect(event.cost == Money(usd: "0.000166667"))
    }

    @Test("an AssemblyAI job that outlives the request's deadline is a 504 that says so")
    func assemblyAIDeadline() async throws {
        let assemblyAI = try await MockAssemblyAIUpstream.start()
        let gateway = try await TestGateway.start(extraProviders: [
            ProviderConfiguration(id: "aai", entry: ProviderCatalog.entry(forType: "assemblyai")!, baseURL: assemblyAI.baseURL, apiKey: Secret("aai-e2e")),
        ], configure: { $0.upstream.totalTimeout = 0.5 })
        defer { Task { await gateway.stop(); await assemblyAI.stop() } }
        let started = ContinuousClock.now
        let reply = try await Self.upload(gateway, model: "aai/universal-2", seconds: 1)
        #expect(reply.status == 504, "\(reply.body)")
        #expect(reply.body.contains("did not finish the job before the request's deadline"))
        #expect(ContinuousClock.now - started < .seconds(2))
    }
}
