import AsyncHTTPClient
import Foundation
import GatewyseCore
@testable import GatewyseEngine
import GatewyseProviders
import GatewyseTesting
import Testing

/// ElevenLabs speech to text and whisper.cpp's server through the real gateway and their
/// validating mocks: failover from a failing OpenAI-format provider, the form each upstream
/// received, the OpenAI answer shapes, a refused request skipping to a provider that can serve
/// it, a 400 naming the field when none can, and the cost at scribe_v1's $0.22 an hour.
@Suite("Audio providers end to end: ElevenLabs speech to text, whisper.cpp", .serialized)
struct AudioProvidersEndToEndTests {
    static func withGateway(_ body: (TestGateway, RecordingObserver, MockElevenLabsUpstream, MockWhisperCppUpstream) async throws -> Void) async throws {
        let elevenLabs = try await MockElevenLabsUpstream.start()
        let whisperCpp = try await MockWhisperCppUpstream.start()
        let observer = RecordingObserver()
        let gateway = try await TestGateway.start(extraProviders: [
            ProviderConfiguration(id: "eleven", entry: ProviderCatalog.entry(forType: "elevenlabs")!, baseURL: elevenLabs.baseURL,
                                  apiKey: Secret("xi-e2e-key")),
            ProviderConfiguration(id: "wcpp", entry: ProviderCatalog.entry(forType: "whisper.cpp")!, baseURL: whisperCpp.baseURL, apiKey: nil),
        ], extraModels: [
            ModelAlias(name: "scribe", strategy: .failover, targets: [ModelTarget(provider: "mock", model: "error-500", priority: 1),
                                                                      ModelTarget(provider: "eleven", model: "scribe_v1", priority: 2)]),
            ModelAlias(name: "local", strategy: .failover, targets: [ModelTarget(provider: "mock", model: "error-500", priority: 1),
                                                                     ModelTarget(provider: "wcpp", model: "ggml-base", priority: 2)]),
            ModelAlias(name: "both", strategy: .failover, targets: [ModelTarget(provider: "eleven", model: "scribe_v1", priority: 1),
                                                                    ModelTarget(provider: "wcpp", model: "ggml-base", priority: 2)]),
        ], observers: [observer])
        do { try await body(gateway, observer, elevenLabs, whisperCpp) } catch {
            await gateway.stop()
            await elevenLabs.stop()
            await whisperCpp.stop()
            throw error
        }
        await gateway.stop()
        await elevenLabs.stop()
        await whisperCpp.stop()
    }

    static func upload(_ gateway: TestGateway, path: String = "/v1/audio/transcriptions", _ fields: [(String, String)], seconds: Int = 2) async throws -> EndToEndTests.Reply {
        try await MediaEndToEndTests.upload(gateway, path, fields: fields, file: MediaEndToEndTests.wav(seconds: seconds))
    }

    @Test("a transcription fails over to ElevenLabs, is sent as its form and answered as verbose_json with words, billed per second")
    func elevenLabs() async throws {
        try await Self.withGateway { gateway, observer, elevenLabs, _ in
            let reply = try await Self.upload(gateway, [("model", "scribe"), ("response_format", "verbose_json"),
                                                        ("timestamp_granularities[]", "word"), ("language", "en")], seconds: 4)
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.headers.first(name: "x-provider") == "eleven")
            let json = try #require(reply.json)
            #expect(json["text"]?.stringValue == MockElevenLabsUpstream.transcriptText)
            #expect(json["duration"] == 4.0)
            #expect(json["language"] == "en")
            #expect(json["words"]?.arrayValue?.map { $0["word"]?.stringValue ?? "" } == ["Hello", "from", "the", "mock", "transcription."])
            let sent = try #require(elevenLabs.requests.last)
            #expect(sent.path == "/v1/speech-to-text")
            #expect(sent.headers["xi-api-key"] == "xi-e2e-key")
            #expect(sent.body?["model_id"] == "scribe_v1")
            #expect(sent.body?["language_code"] == "en")
            #expect(sent.body?["timestamps_granularity"] == "word")
            #expect(sent.body?["model"] == nil)
            #expect(sent.body?["file"]?["bytes"] == .int(MediaEndToEndTests.wav(seconds: 4).count))
            let event = try #require(try await observer.settle(count: 1).last)
            #expect(event.media?.audioMilliseconds == 4_000)
            // scribe_v1 at $0.22 an hour × 4 s = $0.000244444…
            #expect(event.cost == Money(usd: "0.000244444"))

            let text = try await Self.upload(gateway, [("model", "eleven/scribe_v1"), ("response_format", "text")])
            #expect(text.status == 200, "\(text.body)")
            #expect(text.body == MockElevenLabsUpstream.transcriptText + "\n")
        }
    }

    @Test("whisper.cpp answers json, text, srt and verbose_json through /inference after a failover")
    func whisperCpp() async throws {
        try await Self.withGateway { gateway, _, _, whisperCpp in
            let json = try await Self.upload(gateway, [("model", "local"), ("temperature", "0.1")])
            #expect(json.status == 200, "\(json.body)")
            #expect(json.headers.first(name: "x-provider") == "wcpp")
            #expect(json.json?["text"]?.stringValue == " " + MockWhisperCppUpstream.transcriptText)
            let sent = try #require(whisperCpp.requests.last)
            #expect(sent.path == "/inference")
            #expect(sent.body?["temperature"] == "0.1")
            #expect(sent.body?["model"] == nil)
            let text = try await Self.upload(gateway, [("model", "local"), ("response_format", "text")])
            #expect(text.body == " " + MockWhisperCppUpstream.transcriptText + "\n")
            let srt = try await Self.upload(gateway, [("model", "local"), ("response_format", "srt")])
            #expect(srt.status == 200)
            #expect(srt.body.hasPrefix("1\n00:00:00,000 --> 00:00:02,000\n"))
            let verbose = try await Self.upload(gateway, [("model", "local"), ("response_format", "verbose_json")], seconds: 3)
            #expect(verbose.json?["duration"] == 3.0)
            #expect(verbose.json?["segments"]?.arrayValue?.count == 1)
        }
    }

    @Test("what ElevenLabs cannot do skips it for whisper.cpp, and with nothing left is a 400 naming the field")
    func refusals() async throws {
        try await Self.withGateway { gateway, _, elevenLabs, _ in
            let vtt = try await Self.upload(gateway, [("model", "both"), ("response_format", "vtt")])
            #expect(vtt.status == 200, "\(vtt.body)")
            #expect(vtt.headers.first(name: "x-provider") == "wcpp")
            #expect(vtt.body.hasPrefix("WEBVTT"))
            let srt = try await Self.upload(gateway, [("model", "eleven/scribe_v1"), ("response_format", "srt")])
            #expect(srt.status == 400)
            #expect(srt.body.contains("response_format 'srt'"))
            let translation = try await Self.upload(gateway, path: "/v1/audio/translations", [("model", "both")])
            #expect(translation.status == 400)
            #expect(translation.body.contains("audio translations"))
            let segments = try await Self.upload(gateway, [("model", "eleven/scribe_v1"), ("response_format", "verbose_json"),
                                                           ("timestamp_granularities[]", "segment")])
            #expect(segments.status == 400)
            #expect(segments.body.contains("timestamp_granularities[] 'segment'"))
            let speechModel = try await Self.upload(gateway, [("model", "eleven/eleven_multilingual_v2")])
            #expect(speechModel.status == 400)
            #expect(elevenLabs.requests.isEmpty)
        }
    }
}
