import Foundation
import GatewyseCore
@testable import GatewyseEngine
import GatewyseProviders
@testable import GatewyseTesting
import Testing

/// Replicate's speech and Whisper models through the real gateway and the validating mock
/// (decisions/0028): speech as a prediction whose audio file is fetched and relayed in the
/// format asked, a refusal that names the field, failover from a provider that cannot be
/// reached, and transcriptions in OpenAI's formats with the audio's seconds counted.
@Suite("Replicate audio end to end", .serialized)
struct ReplicateAudioEndToEndTests {
    static func withGateway(_ body: (TestGateway, RecordingObserver, MockReplicateUpstream) async throws -> Void) async throws {
        let replicate = try await MockReplicateUpstream.start()
        let observer = RecordingObserver()
        let gateway = try await TestGateway.start(extraProviders: [
            ProviderConfiguration(id: "rep", entry: ProviderCatalog.entry(forType: "replicate")!, baseURL: replicate.baseURL,
                                  apiKey: Secret("r8_e2e_token_0123456789")),
            // Nothing listens on port 9: every call to it fails to connect (retryable).
            ProviderConfiguration(id: "down", entry: ProviderCatalog.entry(forType: "openai")!, baseURL: "http://127.0.0.1:9/v1",
                                  apiKey: Secret("sk-down")),
        ], extraModels: [
            ModelAlias(name: "voice", strategy: .failover, targets: [ModelTarget(provider: "down", model: "tts-1", priority: 1),
                                                                     ModelTarget(provider: "rep", model: "jaaari/kokoro-82m", priority: 2)]),
        ], observers: [observer])
        do { try await body(gateway, observer, replicate) } catch {
            await gateway.stop()
            await replicate.stop()
            throw error
        }
        await gateway.stop()
        await replicate.stop()
    }

    @Test("speech: a MiniMax prediction in sync mode, its WAV fetched without the key and relayed")
    func speech() async throws {
        try await Self.withGateway { gateway, observer, replicate in
            let reply = try await GeminiFireworksMediaEndToEndTests.postBytes(gateway, "/v1/audio/speech",
                body: #"{"model":"rep/minimax/speech-2.6-turbo","input":"Hello there","voice":"Wise_Woman","response_format":"wav"}"#)
            #expect(reply.status == 200, "\(String(decoding: reply.bytes, as: UTF8.self))")
            #expect(reply.headers.first(name: "content-type") == "audio/wav" && reply.headers.first(name: "x-provider") == "rep")
            #expect(Array(reply.bytes.prefix(4)) == Array("RIFF".utf8) && reply.bytes.count == MockMedia.wav(milliseconds: 500).count)
            let sent = replicate.requests
            #expect(sent.first?.path == "/v1/models/minimax/speech-2.6-turbo/predictions")
            #expect(sent.first?.headers["authorization"] == "Bearer r8_e2e_token_0123456789" && sent.first?.headers["prefer"] == "wait=1")
            #expect(sent.first?.body == ["input": ["text": "Hello there", "voice_id": "Wise_Woman", "audio_format": "wav"]])
            #expect(sent.last?.path.hasPrefix("/delivery/") == true && sent.last?.headers["authorization"] == nil)
            let event = try #require(try await observer.settle(count: 1).last)
            #expect(event.media?.characters == 11)
            // $0.06 per 1K characters × 11.
            #expect(event.cost == Money(usd: "0.00066"))
        }
    }

    @Test("speech: a format the model cannot make is a 400 naming response_format; a file in another format fails the attempt")
    func speechRefusals() async throws {
        try await Self.withGateway { gateway, _, replicate in
            let refused = try await EndToEndTests.post(gateway, "/v1/audio/speech",
                                                       body: #"{"model":"rep/jaaari/kokoro-82m","input":"Hi","voice":"alloy","response_format":"mp3"}"#)
            #expect(refused.status == 400 && refused.body.contains("response_format 'mp3'"), "\(refused.body)")
            #expect(replicate.requests.isEmpty)
            let wrong = try await EndToEndTests.post(gateway, "/v1/audio/speech",
                                                     body: #"{"model":"rep/minimax/speech-02-turbo","input":"Hi [mock:wrong-format]","voice":"Wise_Woman","response_format":"flac"}"#)
            #expect(wrong.status == 502 && wrong.body.contains("not flac audio"), "\(wrong.body)")
        }
    }

    @Test("speech fails over from a provider that cannot be reached to Kokoro on Replicate")
    func failover() async throws {
        try await Self.withGateway { gateway, _, replicate in
            let reply = try await GeminiFireworksMediaEndToEndTests.postBytes(gateway, "/v1/audio/speech",
                                                                              body: #"{"model":"voice","input":"Hi","voice":"nova","response_format":"wav"}"#)
            #expect(reply.status == 200 && reply.headers.first(name: "x-provider") == "rep")
            #expect(Array(reply.bytes.prefix(4)) == Array("RIFF".utf8))
            #expect(replicate.requests.first?.body == ["input": ["text": "Hi", "voice": "af_nova"]])
        }
    }

    @Test("transcriptions: openai/whisper answers verbose_json with segments and srt; the audio's seconds are counted")
    func transcription() async throws {
        try await Self.withGateway { gateway, observer, replicate in
            let verbose = try await MediaEndToEndTests.upload(gateway, "/v1/audio/transcriptions",
                                                              fields: [("model", "rep/openai/whisper"), ("response_format", "verbose_json")],
                                                              file: MediaEndToEndTests.wav(seconds: 2))
            #expect(verbose.status == 200, "\(verbose.body)")
            #expect(verbose.json?["text"] == "Hello from the mock Whisper model." && verbose.json?["duration"]?.doubleValue == 2)
            #expect(verbose.json?["segments"]?.arrayValue?.count == 2)
            let create = try #require(replicate.requests.first)
            #expect(create.path == "/v1/models/openai/whisper/predictions" && create.headers["prefer"] == "wait=1")
            #expect(create.body?["input"]?["audio"]?.stringValue?.hasPrefix("data:audio/wav;base64,UklGR") == true)
            let event = try #require(try await observer.settle(count: 1).last)
            #expect(event.media?.audioMilliseconds == 2_000)

            let srt = try await MediaEndToEndTests.upload(gateway, "/v1/audio/transcriptions",
                                                          fields: [("model", "rep/openai/whisper"), ("response_format", "srt")],
                                                          file: MediaEndToEndTests.wav(seconds: 2))
            #expect(srt.status == 200 && srt.body.hasPrefix("1\n00:00:00,000 --> 00:00:01,000\nHello from the mock\n"), "\(srt.body)")

            let translation = try await MediaEndToEndTests.upload(gateway, "/v1/audio/translations",
                                                                  fields: [("model", "rep/vaibhavs10/incredibly-fast-whisper"), ("response_format", "text")],
                                                                  file: MediaEndToEndTests.wav(seconds: 1))
            #expect(translation.status == 200 && translation.body == "Hello from the mock Whisper model, in English.\n", "\(translation.body)")

            let refused = try await MediaEndToEndTests.upload(gateway, "/v1/audio/transcriptions",
                                                              fields: [("model", "rep/vaibhavs10/incredibly-fast-whisper"), ("response_format", "vtt")],
                                                              file: MediaEndToEndTests.wav(seconds: 1))
            #expect(refused.status == 400 && refused.body.contains("response_format 'vtt'"), "\(refused.body)")
        }
    }
}
