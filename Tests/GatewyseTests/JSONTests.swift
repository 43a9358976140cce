import Foundation
import GatewyseCore
import Testing

@Suite("JSON parser and writer")
struct JSONTests {
    @Test("round-trips a document byte for byte, numbers and key order included")
    func roundTrip() throws {
        let text = #"{"model":"gpt-4o","seed":12345678901234567,"t":0.70,"n":[1,-2,3e5],"ok":true,"none":null,"s":"a\"b\\c\n\u0001"}"#
        let value = try JSONParser.parse(text)
        #expect(JSONWriter.string(value) == text.replacingOccurrences(of: "\\u0001", with: "\\u0001"))
        #expect(value["seed"] == .number("12345678901234567"))
        #expect(value["t"]?.doubleValue == 0.7)
    }

    @Test("decodes escapes and surrogate pairs")
    func escapes() throws {
        let value = try JSONParser.parse(#"["\u00e9\ud83d\ude00\t\/"]"#)
        #expect(value == .array([.string("é😀\t/")]))
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(#"["\ud83d"]"#) }
    }

    @Test("reports where a document is malformed", arguments: [
        (#"{"a":1,}"#, 7), (#"{"a" 1}"#, 5), ("[1,2", 4), ("tru", 0), (#"{"a":01}"#, 6), ("{} x", 3), ("", 0),
    ])
    func syntaxErrors(text: String, offset: Int) {
        do {
            _ = try JSONParser.parse(text)
            Issue.record("parsed invalid JSON: \(text)")
        } catch {
            #expect(error.offset == offset, "\(error)")
        }
    }

    @Test("refuses nesting deeper than the limit")
    func depthLimit() {
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(deep) }
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect((try? JSONParser.parse(fine)) != nil)
    }

    @Test("rejects raw control characters and invalid UTF-8 in strings")
    func invalidStrings() {
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse([0x22, 0x0A, 0x22]) }
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
    }
}

@Suite("SSE decoder")
struct SSEDecoderTests {
    @Test("yields the same events however the bytes are split")
    func splitAnywhere() throws {
        let stream = Array("data: {\"a\":1}\n\n: keep-alive\n\nevent: ping\ndata: x\r\ndata: y\r\n\r\ndata: [DONE]\n\n".utf8)
        var whole = SSEDecoder()
        let expected = try whole.feed(stream)
        #expect(expected == [SSEEvent(data: "{\"a\":1}"), SSEEvent(event: "ping", data: "x\ny"), SSEEvent(data: "[DONE]")])
        for split in 1..<stream.count {
            var decoder = SSEDecoder()
            let events = try decoder.feed(stream[..<split]) + decoder.feed(stream[split...])
            #expect(events == expected, "split at \(split)")
        }
    }

    @Test("flushes an unterminated final event")
    func finish() throws {
        var decoder = SSEDecoder()
        #expect(try decoder.feed(Array("data: last".utf8)).isEmpty)
        #expect(decoder.finish() == SSEEvent(data: "last"))
    }
}

@Suite("Secrets")
struct SecretTests {
    @Test("never print and are scrubbed from provider messages")
    func redaction() {
        let secret = Secret("sk-live-abcdef123456")
        #expect("\(secret)" == "<redacted>")
        #expect(String(reflecting: secret) == "<redacted>")
        #expect(!secret.scrub("Incorrect API key provided: sk-live-abcdef123456.").contains("abcdef123456"))
        #expect(!secret.scrub("Incorrect API key provided: sk-live-***456").contains("sk-live-"))
    }

    @Test("constant-time comparison agrees with ==")
    func constantTime() {
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2]))
    }
}
