import AsyncHTTPClient
import Foundation
import GatewyseCore
@testable import GatewyseEngine
import GatewyseProviders
import GatewyseTesting
import NIOCore
import NIOHTTP1
import Testing

/// Gemini's and Fireworks' media through the real gateway and their validating mocks: Imagen
/// answering after a failing provider, Gemini speech streamed as WAV (and failing over when a
/// TTS model answers without audio), FLUX on Fireworks' workflow endpoint, Whisper on its audio
/// host; per-model capabilities in `GET /v1/models` and in the 400 of a model without one.
@Suite("Gemini and Fireworks media end to end", .serialized)
struct GeminiFireworksMediaEndToEndTests {
    static func withGateway(_ body: (TestGateway, RecordingObserver, MockGeminiUpstream, MockOpenAIUpstream) async throws -> Void) async throws {
        let gemini = try await MockGeminiUpstream.start()
        let fireworksMock = try await MockOpenAIUpstream.start()
        let observer = RecordingObserver()
        var fireworks = ProviderConfiguration(id: "fireworks", entry: ProviderCatalog.entry(forType: "fireworks")!, baseURL: fireworksMock.baseURL,
                                              apiKey: Secret("fw-e2e-key"))
        fireworks.audioBaseURL = "http://127.0.0.1:\(fireworksMock.port)/fw-audio/v1"
        fireworks.allowPrivateNetwork = true
        var google = ProviderConfiguration(id: "gemini", entry: ProviderCatalog.entry(forType: "gemini")!, baseURL: gemini.baseURL, apiKey: Secret("gm-e2e-key"))
        google.allowPrivateNetwork = true
        let gateway = try await TestGateway.start(extraProviders: [google, fireworks], extraModels: [
            ModelAlias(name: "draw", strategy: .failover, targets: [ModelTarget(provider: "fireworks", model: "flux-error-500", priority: 1),
                                                                    ModelTarget(provider: "gemini", model: "imagen-4.0-generate-001", priority: 2)]),
            ModelAlias(name: "speak", strategy: .failover, targets: [ModelTarget(provider: "gemini", model: "gemini-tts-no-audio", priority: 1),
                                                                     ModelTarget(provider: "gemini", model: "gemini-2.5-flash-preview-tts", priority: 2)]),
            ModelAlias(name: "hear", strategy: .failover, targets: [ModelTarget(provider: "mock", model: "error-500", priority: 1),
                                                                    ModelTarget(provider: "fireworks", model: "whisper-v3", priority: 2)]),
        ], observers: [observer])
        do { try await body(gateway, observer, gemini, fireworksMock) } catch {
            await gateway.stop()
            await gemini.stop()
            await fireworksMock.stop()
            throw error
        }
        await gateway.stop()
        await gemini.stop()
        await fireworksMock.stop()
    }

    static func postBytes(_ gateway: TestGateway, _ path: String, body: String) async throws -> (status: Int, headers: HTTPHeaders, bytes: [UInt8]) {
        var request = HTTPClientRequest(url: gateway.baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Authorization", value: "Bearer \(gateway.apiKey)")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return (Int(response.status.code), response.headers, Array(buffer: bytes))
    }

    @Test("images fail over from Fireworks to Imagen, come back as b64_json and are billed per image")
    func images() async throws {
        // n=1: FLUX makes one image per call, so an n=2 request would skip Fireworks
        // before any call instead of failing over from it.
        try await Self.withGateway { gateway, observer, gemini, fireworks in
            let reply = try await EndToEndTests.post(gateway, "/v1/images/generations", body: #"{"model":"draw","prompt":"a lighthouse","n":1,"size":"1024x1792"}"#)
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.headers.first(name: "x-provider") == "gemini" && reply.headers.first(name: "x-gatewyse-attempts") != "1")
            #expect(reply.json?["data"]?.arrayValue?.count == 1)
            #expect(fireworks.requests.last?.path == "/v1/workflows/accounts/fireworks/models/flux-error-500/text_to_image")
            let sent = try #require(gemini.requests.last)
            #expect(sent.path == "/v1beta/models/imagen-4.0-generate-001:predict" && sent.headers["x-goog-api-key"] == "gm-e2e-key")
            #expect(sent.body == ["instances": [["prompt": "a lighthouse"]], "parameters": ["sampleCount": 1, "aspectRatio": "9:16"]])
            let event = try #require(try await observer.settle(count: 1).last)
            #expect(event.media?.images == 1 && event.cost == Money(usd: "0.04"))
        }
    }

    @Test("FLUX on Fireworks answers b64_json from its workflow endpoint")
    func flux() async throws {
        try await Self.withGateway { gateway, _, _, fireworks in
            let reply = try await EndToEndTests.post(gateway, "/v1/images/generations", body: #"{"model":"fireworks/flux-1-schnell-fp8","prompt":"a kite","size":"1536x1024"}"#)
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.json?["data"]?.arrayValue?.first?["b64_json"]?.stringValue?.hasPrefix("iVBORw0KGgo") == true)
            let sent = try #require(fireworks.requests.last)
            #expect(sent.headers["accept"] == "application/json" && sent.headers["authorization"] == "Bearer fw-e2e-key")
            #expect(sent.body == ["prompt": "a kite", "aspect_ratio": "3:2"])
        }
    }

    @Test("speech from a Gemini TTS model streams as WAV after a model that answered without audio")
    func speech() async throws {
        try await Self.withGateway { gateway, observer, gemini, _ in
            let reply = try await Self.postBytes(gateway, "/v1/audio/speech", body: #"{"model":"speak","input":"Hello there","voice":"alloy","response_format":"wav"}"#)
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "content-type") == "audio/wav" && Int(reply.headers.first(name: "x-gatewyse-attempts") ?? "") ?? 0 >= 2)
            #expect(Array(reply.bytes.prefix(44)) == WAVHeader.pcm16(sampleRate: 24_000))
            #expect(reply.bytes.count == 44 + 24_000)
            let paths = gemini.requests.map(\.path)
            #expect(paths.last == "/v1beta/models/gemini-2.5-flash-preview-tts:streamGenerateContent?alt=sse")
            #expect(paths.dropLast().allSatisfy { $0 == "/v1beta/models/gemini-tts-no-audio:streamGenerateContent?alt=sse" } && paths.count >= 2)
            let event = try #require(try await observer.settle(count: 1).last)
            #expect(event.outcome == .streamFinished && event.media?.characters == 11)
        }
    }

    @Test("a speech format Gemini cannot make is a 400 naming response_format, before any upstream call")
    func mp3IsRefused() async throws {
        try await Self.withGateway { gateway, _, gemini, _ in
            let reply = try await EndToEndTests.post(gateway, "/v1/audio/speech", body: #"{"model":"gemini/gemini-2.5-flash-preview-tts","input":"Hi","voice":"alloy"}"#)
            #expect(reply.status == 400 && reply.body.contains("response_format 'mp3'"))
            #expect(gemini.requests.isEmpty)
        }
    }

    @Test("a model without the capability is a 400 naming it")
    func modelWithoutTheCapability() async throws {
        try await Self.withGateway { gateway, _, gemini, _ in
            let reply = try await EndToEndTests.post(gateway, "/v1/images/generations", body: #"{"model":"gemini/gemini-2.5-flash","prompt":"p"}"#)
            #expect(reply.status == 400 && reply.body.contains("model 'gemini-2.5-flash' does not offer images"), "\(reply.body)")
            let chat = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: EndToEndTests.chat("gemini/imagen-4.0-generate-001"))
            #expect(chat.status == 400 && chat.body.contains("does not offer chat"))
            #expect(gemini.requests.isEmpty)
        }
    }

    @Test("a transcription fails over to Fireworks' audio host and is billed by the second")
    func transcription() async throws {
        try await Self.withGateway { gateway, observer, _, fireworks in
            let reply = try await MediaEndToEndTests.upload(gateway, "/v1/audio/transcriptions", fields: [("model", "hear")], file: MediaEndToEndTests.wav(seconds: 6))
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.headers.first(name: "x-provider") == "fireworks")
            let sent = try #require(fireworks.requests.last)
            #expect(sent.path == "/fw-audio/v1/audio/transcriptions" && sent.body?["model"] == "whisper-v3")
            #expect(sent.headers["authorization"] == "Bearer fw-e2e-key")
            let event = try #require(try await observer.settle(count: 1).last)
            // $0.0015 per minute × 6 s = $0.00015.
            #expect(event.cost == Money(usd: "0.00015"))
        }
    }

    @Test("GET /v1/models lists what each model serves")
    func modelList() async throws {
        try await Self.withGateway { gateway, _, _, _ in
            var request = HTTPClientRequest(url: gateway.baseURL + "/v1/models")
            request.headers.add(name: "Authorization", value: "Bearer \(gateway.apiKey)")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            let json = try JSONParser.parse(Array(buffer: try await response.body.collect(upTo: 1 << 20)))
            var listed: [String: [String]] = [:]
            for model in json["data"]?.arrayValue ?? [] {
                listed[model["id"]?.stringValue ?? ""] = model["capabilities"]?.arrayValue?.compactMap(\.stringValue)
            }
            #expect(listed["draw"] == ["images"])
            #expect(listed["speak"] == ["tts"])
            #expect(listed["hear"]?.contains("audio") == true)
            #expect(listed["gemini/imagen-4.0-generate-001"] == ["images"])
            #expect(listed["fireworks/whisper-v3"] == ["audio"])
        }
    }
}
