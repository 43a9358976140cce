import GatewyseCore
import GatewyseProviders
@testable import GatewyseEngine
import GatewyseTesting
import Testing

/// `/v1/messages` content the unified model has no field for — documents, prompt-caching
/// markers, `tool_result.is_error` — decoded, then sent on to an Anthropic upstream unchanged
/// (checked by the validating mock) and to an OpenAI-format one without Anthropic-only fields.
@Suite("Anthropic Messages inbound: documents, cache_control, is_error")
struct MessagesInboundContentTests {
    static let ephemeral: JSONValue = ["type": "ephemeral"]

    static func decode(_ text: String) throws -> ChatRequest {
        try AnthropicInboundWire.decodeRequest(try JSONParser.parse(text))
    }

    /// The body the Anthropic adapter sends for `request`, refused by the test if the mock would.
    static func anthropicBody(_ request: ChatRequest) throws -> JSONValue {
        let upstream = try AnthropicFixtures.adapter().makeChatRequest(request, upstreamModel: "claude-sonnet-4")
        let body = try JSONParser.parse(upstream.body)
        var headers: [String: String] = [:]
        for (name, value) in upstream.headers { headers[name.lowercased()] = value }
        if let problem = MockAnthropicUpstream.validationError(headers: headers, body: body) {
            Issue.record("the mock Anthropic refuses the mapped body: \(problem)\n\(JSONWriter.string(body))")
        }
        return body
    }

    static func openAIBody(_ request: ChatRequest) throws -> String {
        let openAI = OpenAICompatibleAdapter(configuration: ProviderConfiguration(
            id: "o", entry: ProviderCatalog.entry(forType: "openai")!, baseURL: "https://api.openai.com/v1", apiKey: Secret("k")))
        return String(decoding: try openAI.makeChatRequest(request, upstreamModel: "gpt").body, as: UTF8.self)
    }

    static let pdf = "JVBERi0xLjQK"

    @Test("a base64 PDF document is OpenAI's file part with file_data; a plain-text document is text")
    func documents() throws {
        let chat = try Self.decode("""
            {"model":"m","max_tokens":50,"messages":[{"role":"user","content":[
              {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"\(Self.pdf)"},"title":"Contract"},
              {"type":"document","source":{"type":"text","media_type":"text/plain","data":"Clause 1: pay on time."}},
              {"type":"text","text":"Summarize."}]}]}
            """)
        #expect(chat.messages[0].content == .parts([
            .other(JSONObject([("type", "file"), ("file", ["filename": "document.pdf", "file_data": .string("data:application/pdf;base64,\(Self.pdf)")])])),
            .text("Clause 1: pay on time."),
            .text("Summarize."),
        ]))
        let body = try Self.anthropicBody(chat)
        #expect(body["messages"]?.arrayValue?.first?["content"] == [
            ["type": "document", "source": ["type": "base64", "media_type": "application/pdf", "data": .string(Self.pdf)]],
            ["type": "text", "text": "Clause 1: pay on time."],
            ["type": "text", "text": "Summarize."],
        ])
        #expect(try Self.openAIBody(chat).contains(#""file_data":"data:application/pdf;base64,\#(Self.pdf)""#))
    }

    @Test("documents the gateway cannot carry are refused with the field named", arguments: [
        (#"{"type":"document","source":{"type":"url","url":"https://example.com/a.pdf"}}"#, "messages[0].content[0].source.type"),
        (#"{"type":"document","source":{"type":"base64","media_type":"image/png","data":"iVBO"}}"#, "messages[0].content[0].source.media_type"),
        (#"{"type":"document","source":{"type":"text","media_type":"text/html","data":"<p>"}}"#, "messages[0].content[0].source.media_type"),
        (#"{"type":"document"}"#, "messages[0].content[0].source"),
        (#"{"type":"text","text":"x","cache_control":"ephemeral"}"#, "messages[0].content[0].cache_control"),
    ])
    func refused(block: String, param: String) {
        let error = #expect(throws: GatewayError.self) {
            try Self.decode(#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[\#(block)]}]}"#)
        }
        #expect(error?.status == 400)
        #expect(error?.param == param, "\(String(describing: error))")
    }

    static let cached = #"""
        {"model":"m","max_tokens":50,
         "system":[{"type":"text","text":"You are a lawyer."},{"type":"text","text":"The contract: …","cache_control":{"type":"ephemeral","ttl":"1h"}}],
         "tools":[{"name":"lookup","input_schema":{"type":"object"}},{"name":"cite","input_schema":{"type":"object"},"cache_control":{"type":"ephemeral"}}],
         "messages":[
           {"role":"user","content":[{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0xLjQK"}},
                                     {"type":"text","text":"Which clause applies?"}]},
           {"role":"assistant","content":[{"type":"text","text":"Let me look."},{"type":"tool_use","id":"toolu_1","name":"lookup","input":{"q":"late"}}]},
           {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","is_error":true,"content":"index unavailable","cache_control":{"type":"ephemeral"}},
                                     {"type":"text","text":"Try again."}]}]}
        """#

    @Test("cache_control on system blocks, tools, blocks and tool results, and is_error, reach an Anthropic upstream where the client put them")
    func throughToAnthropic() throws {
        let chat = try Self.decode(Self.cached)
        #expect(chat.messages.map(\.role) == [.system, .system, .user, .assistant, .tool, .user])
        #expect(chat.messages[1].extra[AnthropicMessagesWire.ExtraKey.cacheControl] == ["type": "ephemeral", "ttl": "1h"])
        #expect(chat.messages[4].extra[AnthropicMessagesWire.ExtraKey.isError] == true)
        #expect(chat.extra[AnthropicMessagesWire.ExtraKey.toolCacheControl] == [nil, Self.ephemeral])

        let body = try Self.anthropicBody(chat)
        #expect(body["system"] == [["type": "text", "text": "You are a lawyer."],
                                   ["type": "text", "text": "The contract: …", "cache_control": ["type": "ephemeral", "ttl": "1h"]]])
        #expect(body["tools"]?.arrayValue?.map { $0["cache_control"] } == [nil, Self.ephemeral])
        let messages = body["messages"]?.arrayValue ?? []
        #expect(messages.count == 3)
        #expect(messages.last?["content"] == [
            ["type": "tool_result", "tool_use_id": "toolu_1", "content": "index unavailable", "is_error": true, "cache_control": Self.ephemeral],
            ["type": "text", "text": "Try again."],
        ])
    }

    @Test("a marked block keeps its marker on its own block; a marked tool_use marks the end of the assistant turn")
    func blockMarkers() throws {
        let chat = try Self.decode("""
            {"model":"m","max_tokens":50,"tools":[{"name":"f","input_schema":{"type":"object"}}],"messages":[
              {"role":"user","content":[{"type":"text","text":"long","cache_control":{"type":"ephemeral"}},{"type":"text","text":"q"}]},
              {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"f","input":{},"cache_control":{"type":"ephemeral"}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"ok","cache_control":{"type":"ephemeral"}}]}]}]}
            """)
        let messages = try Self.anthropicBody(chat)["messages"]?.arrayValue ?? []
        #expect(messages[0]["content"] == [["type": "text", "text": "long", "cache_control": Self.ephemeral], ["type": "text", "text": "q"]])
        #expect(messages[1]["content"] == [["type": "tool_use", "id": "toolu_1", "name": "f", "input": [:], "cache_control": Self.ephemeral]])
        #expect(messages[2]["content"] == [["type": "tool_result", "tool_use_id": "toolu_1", "content": "ok", "cache_control": Self.ephemeral]])
    }

    @Test("an unmarked request maps as before: system joined into one string, a lone text as a string")
    func unmarked() throws {
        let chat = try Self.decode(#"""
            {"model":"m","max_tokens":5,"system":[{"type":"text","text":"a"},{"type":"text","text":"b"}],
             "messages":[{"role":"user","content":[{"type":"text","text":"q"}]}]}
            """#)
        #expect(chat.messages == [.system("a\n\nb"), .user("q")])
        #expect(chat.extra.isEmpty)
    }

    @Test("is_error must be a boolean; false is the default and is not carried")
    func isErrorValues() throws {
        let base = #"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"q"},{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"x","is_error":FLAG}]}]}"#
        let error = #expect(throws: GatewayError.self) { try Self.decode(base.replacingOccurrences(of: "FLAG", with: #""yes""#)) }
        #expect(error?.param == "messages[2].content[0].is_error")
        let chat = try Self.decode(base.replacingOccurrences(of: "FLAG", with: "false"))
        #expect(chat.messages[2].extra.isEmpty)
    }

    @Test("an OpenAI-format upstream gets the same conversation without Anthropic-only fields")
    func notForOpenAI() throws {
        let text = try Self.openAIBody(try Self.decode(Self.cached))
        #expect(!text.contains("cache_control"), "\(text)")
        #expect(!text.contains("is_error"), "\(text)")
        let body = try JSONParser.parse(text)
        let messages = body["messages"]?.arrayValue ?? []
        #expect(messages.map { $0["role"] } == ["system", "system", "user", "assistant", "tool", "user"])
        #expect(messages[4] == ["role": "tool", "content": "index unavailable", "tool_call_id": "toolu_1"])
    }
}
