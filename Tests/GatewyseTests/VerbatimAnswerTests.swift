import GatewyseCore
import GatewyseProviders
import Testing

@Suite("Verbatim answers: the skimmer and OpenAI-format pass-through")
struct VerbatimAnswerTests {
    static func skim(_ text: String, keys: [String] = ["usage", "choices"]) throws -> [String: String] {
        let bytes = Array(text.utf8)
        let ranges = try bytes.withUnsafeBufferPointer { try JSONSkimmer.topLevelValues(in: $0, keys: keys) }
        var found: [String: String] = [:]
        for (key, range) in zip(keys, ranges) { if let range { found[key] = String(decoding: bytes[range], as: UTF8.self) } }
        return found
    }

    @Test("finds top-level values only, skipping nested look-alikes, strings with escapes and every value type")
    func ranges() throws {
        let found = try Self.skim(#"{"id":"a\"usage\"","x":{"usage":1},"choices":[{"m":[1,2.5e-3,true,null,"\u00e9"]}],"usage":{"total_tokens":3}}"#)
        #expect(found == ["choices": #"[{"m":[1,2.5e-3,true,null,"\u00e9"]}]"#, "usage": #"{"total_tokens":3}"#])
        #expect(try Self.skim("  {}  ").isEmpty)
        // Keys are matched as written or through their escapes; a repeated key's last value wins.
        #expect(try Self.skim(#"{"us\u0061ge":1,"choices":2,"choices":[3],"usage2":4}"#) == ["usage": "1", "choices": "[3]"])
        #expect(throws: JSONParser.SyntaxError.self) { try Self.skim("[1]") }
    }

    @Test("refuses what JSONParser refuses", arguments: [
        #"{"a":1} x"#, #"{"a":"\q"}"#, "{\"a\":\"\u{01}\"}", #"{"a":01}"#, #"{"a":[1,]}"#, #"{"a":tru}"#, #"{"a":"x"#,
        String(repeating: "[", count: 300) + String(repeating: "]", count: 300),
    ])
    func malformed(_ text: String) {
        #expect(throws: JSONParser.SyntaxError.self) { try Self.skim(#"{"k":"# + text + "}") }
        #expect(throws: JSONParser.SyntaxError.self) { try Self.skim(text) }
    }

    static func adapter(_ type: String) -> any ProviderAdapter {
        let entry = ProviderCatalog.entry(forType: type)!
        return ProviderRegistry.makeAdapter(for: ProviderConfiguration(id: type, entry: entry, baseURL: "https://example.com/v1", apiKey: Secret("k")))
    }

    @Test("an OpenAI-format answer goes on byte for byte with its usage read; quirks that rewrite answers and native formats opt out")
    func passThrough() throws {
        let body = Array(#"{"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7,"prompt_tokens_details":{"cached_tokens":1}}}"#.utf8)
        let verbatim = try #require(try Self.adapter("openai").verbatimChatResponse(status: 200, headers: [], body: body))
        #expect(verbatim.body == body)
        #expect(verbatim.usage?.totalTokens == 7)
        #expect(verbatim.usage?.cachedPromptTokens == 1)
        // Together maps its `eos` finish reason: the answer must be rewritten.
        #expect(try Self.adapter("together").verbatimChatResponse(status: 200, headers: [], body: body) == nil)
        #expect(try Self.adapter("anthropic").verbatimChatResponse(status: 200, headers: [], body: body) == nil)
        let noUsage = Array(#"{"choices":[]}"#.utf8)
        #expect(try Self.adapter("groq").verbatimChatResponse(status: 200, headers: [], body: noUsage)?.usage == nil)
    }

    @Test("a broken answer is the provider's 502, not something to hand on")
    func broken() {
        for text in [#"{"choices":{}}"#, #"{"id":"x"}"#, #"{"choices":[]"#, #"{"choices":[],"usage":{"prompt_tokens":"many"}}"#] {
            #expect(throws: GatewayError.self, "\(text)") { try Self.adapter("openai").verbatimChatResponse(status: 200, headers: [], body: Array(text.utf8)) }
        }
    }

    static let stream = ": keep-alive\n\n"
        + "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"finish_reason\":null}],\"usage\":null}\n\n"
        + "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\" : \"stop\"}],\"usage\":null}\r\n\r\n"
        + "data: {\"id\":\"c\",\"choices\":[ ],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}\n\n"
        + "data: [DONE]\n\n"

    static func run(_ filter: inout OpenAIVerbatimStreamFilter, _ bytes: [UInt8], cut: Int) throws -> String {
        let first = try filter.filter(Array(bytes[..<cut]))
        let second = try filter.filter(Array(bytes[cut...]))
        return String(decoding: first + second, as: UTF8.self)
    }

    @Test("stream frames go on as sent, split anywhere; usage and finish are read; usage, null or not, only when asked for")
    func verbatimStream() throws {
        let bytes = Array(Self.stream.utf8)
        for cut in 0...bytes.count {
            var hidden = OpenAIVerbatimStreamFilter(providerID: "p", includeUsage: false)
            let out = try Self.run(&hidden, bytes, cut: cut)
            #expect(out == "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n"
                + "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\" : \"stop\"}]}\n\n", "cut \(cut)")
            #expect(hidden.isFinished)
            #expect(hidden.finishReason == .stop)
            #expect(hidden.usage?.totalTokens == 4)
        }
        var shown = OpenAIVerbatimStreamFilter(providerID: "p", includeUsage: true)
        #expect(try Self.run(&shown, bytes, cut: 0) == Self.stream.replacingOccurrences(of: ": keep-alive\n\n", with: "")
            .replacingOccurrences(of: "\r\n\r\n", with: "\n\n").replacingOccurrences(of: "data: [DONE]\n\n", with: ""))
    }

    @Test("usage the client did not ask for is cut out wherever it stands, leaving valid JSON", arguments: [
        (#"{"usage":null,"id":"c","choices":[]}"#, #"{"id":"c","choices":[]}"#),
        (#"{"id":"c", "usage" : null , "choices":[]}"#, #"{"id":"c" , "choices":[]}"#),
        (#"{"choices":[{"index":0}],"usage":{"total_tokens":2}}"#, #"{"choices":[{"index":0}]}"#),
        (#"{"usage":null}"#, "{}"),
    ])
    func usageCut(_ frame: String, _ expected: String) throws {
        var filter = OpenAIVerbatimStreamFilter(providerID: "p", includeUsage: false)
        let out = String(decoding: try filter.filter(Array("data: \(frame)\n\n".utf8)), as: UTF8.self)
        #expect(out == "data: \(expected)\n\n")
        #expect(throws: Never.self) { try JSONParser.parse(expected) }
    }

    static let content = "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hal\"},\"finish_reason\":null}]}\n\n"
        + "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"f\"},\"finish_reason\":null}]}\n\n"

    @Test("an error frame after the 200 is a 502, and a frame that is not a JSON object a bad upstream answer, after the frames that came with it in the same read")
    func verbatimStreamFailures() throws {
        let late = "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"late\"},\"finish_reason\":null}]}\n\n"
        for (frame, code) in [("data: {\"error\":{\"message\":\"overloaded\"}}\n\n", "UPSTREAM_STREAM_ERROR"),
                              ("data: {\"choices\":[}\n\n", "UPSTREAM_BAD_RESPONSE")] {
            let bytes = Array((Self.content + frame + late).utf8)
            for cut in 0...bytes.count {
                var filter = OpenAIVerbatimStreamFilter(providerID: "p", includeUsage: false)
                let out = try Self.run(&filter, bytes, cut: cut)
                #expect(out == Self.content, "cut \(cut)")
                #expect(filter.failure?.code == code, "cut \(cut)")
                #expect(filter.failure?.status == 502)
                #expect(!filter.isFinished)
            }
        }
        var nullError = OpenAIVerbatimStreamFilter(providerID: "p", includeUsage: false)
        #expect(try nullError.filter(Array("data: {\"choices\":[],\"error\":null}\n\n".utf8)).isEmpty == false)
        #expect(nullError.failure == nil)
    }
}
