import AsyncHTTPClient
import Foundation
import GatewyseCore
@testable import GatewyseEngine
import GatewyseTesting
import NIOCore
import Testing

/// The media routes through the real gateway and the OpenAI mock, as the completion event sees
/// them: the units each answer used (images, audio milliseconds, characters) and their cost at
/// the built-in unit prices (whisper-1 $0.006 a minute, tts-1 $15 per 1M characters).
@Suite("Media end to end: usage units and cost", .serialized)
struct MediaEndToEndTests {
    static func withGateway(_ body: (TestGateway, RecordingObserver) async throws -> Void) async throws {
        let observer = RecordingObserver()
        let gateway = try await TestGateway.start(observers: [observer])
        do { try await body(gateway, observer) } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    /// A 16 kHz mono WAV of `seconds` of silence.
    static func wav(seconds: Int) -> [UInt8] {
        func le32(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24 & 0xFF)] }
        let data = 32_000 * seconds
        return Array("RIFF".utf8) + le32(36 + data) + Array("WAVEfmt ".utf8) + le32(16) + [1, 0, 1, 0] + le32(16_000) + le32(32_000)
            + [2, 0, 16, 0] + Array("data".utf8) + le32(data) + [UInt8](repeating: 0, count: data)
    }

    static func upload(_ gateway: TestGateway, _ path: String, fields: [(String, String)], file: [UInt8]) async throws -> EndToEndTests.Reply {
        let boundary = "gatewyse-test-boundary"
        var body: [UInt8] = []
        for (name, value) in fields { body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8) }
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\n".utf8)
        body += file + Array("\r\n--\(boundary)--\r\n".utf8)
        var request = HTTPClientRequest(url: gateway.baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "multipart/form-data; boundary=\(boundary)")
        request.headers.add(name: "Authorization", value: "Bearer \(gateway.apiKey)")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return EndToEndTests.Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }

    @Test("a transcription is billed by the audio seconds, from verbose_json's duration or else the WAV header")
    func transcriptionCost() async throws {
        try await Self.withGateway { gateway, observer in
            let verbose = try await Self.upload(gateway, "/v1/audio/transcriptions", fields: [("model", "mock/whisper-1"), ("response_format", "verbose_json")],
                                                file: Self.wav(seconds: 2))
            #expect(verbose.status == 200, "\(verbose.body)")
            #expect(verbose.json?["duration"]?.doubleValue == 2)
            let first = try #require(try await observer.settle(count: 1).last)
            #expect(first.outcome == .answered && first.endpoint == .audioTranscriptions)
            #expect(first.media?.audioMilliseconds == 2_000)
            // $0.006 a minute × 2 s = $0.0002.
            #expect(first.cost == Money(usd: "0.0002"))

            let text = try await Self.upload(gateway, "/v1/audio/translations", fields: [("model", "mock/whisper-1"), ("response_format", "text")],
                                             file: Self.wav(seconds: 3))
            #expect(text.status == 200 && text.headers.first(name: "content-type") == "text/plain; charset=utf-8")
            #expect(text.body == "Hello from the mock translation.\n")
            let second = try #require(try await observer.settle(count: 2).last)
            #expect(second.media?.audioMilliseconds == 3_000)
            #expect(second.cost == Money(usd: "0.0003"))
        }
    }

    @Test("speech is billed by the characters spoken, images are counted")
    func speechAndImages() async throws {
        try await Self.withGateway { gateway, observer in
            let speech = try await EndToEndTests.post(gateway, "/v1/audio/speech", body: #"{"model":"mock/tts-1","input":"Hello there","voice":"alloy"}"#)
            #expect(speech.status == 200 && speech.headers.first(name: "content-type") == "audio/mpeg")
            let spoken = try #require(try await observer.settle(count: 1).last)
            #expect(spoken.outcome == .streamFinished && spoken.media?.characters == 11)
            // $15 per 1M characters × 11 = $0.000165.
            #expect(spoken.cost == Money(usd: "0.000165"))

            let images = try await EndToEndTests.post(gateway, "/v1/images/generations", body: #"{"model":"mock/dall-e-3","prompt":"a cat","n":3}"#)
            #expect(images.status == 200 && images.json?["data"]?.arrayValue?.count == 3)
            let made = try #require(try await observer.settle(count: 2).last)
            #expect(made.media?.images == 3 && made.cost == nil)
        }
    }

    @Test("each media route needs its own capability scope: images, audio, tts")
    func scopes() async throws {
        try await Self.withGateway { gateway, _ in
            let ttsOnly = try await GovernanceHTTPTests.key(gateway) { $0.scopes = .init(capabilities: ["tts"]) }
            let speech = try await EndToEndTests.post(gateway, "/v1/audio/speech", body: #"{"model":"mock/tts-1","input":"Hi","voice":"alloy"}"#,
                                                      key: "Bearer \(ttsOnly)")
            #expect(speech.status == 200)
            let images = try await EndToEndTests.post(gateway, "/v1/images/generations", body: #"{"model":"mock/dall-e-3","prompt":"a cat"}"#,
                                                      key: "Bearer \(ttsOnly)")
            #expect(images.status == 403 && images.json?["error"]?["code"] == "CAPABILITY_NOT_ALLOWED")
            #expect(images.body.contains("'images'"))
            let audioOnly = try await GovernanceHTTPTests.key(gateway) { $0.scopes = .init(capabilities: ["audio"]) }
            let refused = try await EndToEndTests.post(gateway, "/v1/audio/speech", body: #"{"model":"mock/tts-1","input":"Hi","voice":"alloy"}"#,
                                                       key: "Bearer \(audioOnly)")
            #expect(refused.status == 403 && refused.body.contains("'tts'"))
        }
    }
}
