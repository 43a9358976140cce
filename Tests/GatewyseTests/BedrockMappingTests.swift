import GatewyseCore
@testable import GatewyseProviders
import GatewyseTesting
import Testing

@Suite("Bedrock adapter: request and response mapping, failures")
struct BedrockMappingTests {
    static func adapter(apiKey: String? = nil) -> BedrockAdapter {
        var configuration = ProviderConfiguration(id: "bedrock", entry: ProviderCatalog.entry(forType: "bedrock")!,
                                                  baseURL: "https://bedrock-runtime.us-east-1.amazonaws.com", apiKey: apiKey.map(Secret.init))
        configuration.region = "us-east-1"
        if apiKey == nil { configuration.awsCredentials = MockBedrockUpstream.credentials }
        return BedrockAdapter(configuration: configuration, now: { 1_795_523_760 }, makeID: { "chatcmpl-fixed" })
    }

    static func body(_ request: ChatRequest) throws -> JSONValue {
        try JSONParser.parse(adapter().makeChatRequest(request, upstreamModel: "anthropic.claude-3-5-sonnet-20240620-v1:0").body)
    }

    static let weather = ToolDefinition(name: "get_weather", description: "Weather", parameters: ["type": "object", "properties": ["city": ["type": "string"]]])

    @Test("URL, headers and signature: model id percent-encoded, SigV4 or a bearer API key")
    func requestShape() throws {
        var chat = ChatRequest(model: "x", messages: [.user("hi")])
        chat.stream = true
        let signed = try Self.adapter().makeChatRequest(chat, upstreamModel: "anthropic.claude-3-5-sonnet-20240620-v1:0")
        #expect(signed.url == "https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream")
        #expect(signed.expectsStream)
        #expect(signed.headers.contains { $0 == ("accept", "application/vnd.amazon.eventstream") })
        #expect(signed.headers.contains { $0.0 == "Authorization" && $0.1.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIAMOCKBEDROCK0001/20261124/us-east-1/bedrock/aws4_request") })
        let keyed = try Self.adapter(apiKey: "br-key").makeChatRequest(ChatRequest(model: "x", messages: [.user("hi")]), upstreamModel: "arn:aws:bedrock:us-east-1:1:inference-profile/us.x")
        #expect(keyed.url.hasSuffix("/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ainference-profile%2Fus.x/converse"))
        #expect(keyed.headers.contains { $0 == ("Authorization", "Bearer br-key") })
        #expect(!keyed.headers.contains { $0.0 == "x-amz-date" })
    }

    @Test("system, inference settings, merged turns, tool calls and results, a placeholder first user turn")
    func conversation() throws {
        var chat = ChatRequest(model: "x", messages: [
            .system("Be brief."),
            ChatMessage(role: .assistant, content: .text("Earlier answer.")),
            .user("Weather in Paris and Rome?"),
            ChatMessage(role: .assistant, content: .text(""), toolCalls: [
                ToolCall(id: "call_1", name: "get_weather", arguments: #"{"city":"Paris"}"#),
                ToolCall(id: "call.2", name: "get_weather", arguments: #"{"city":"Rome"}"#)]),
            ChatMessage(role: .tool, content: .text("18C"), toolCallID: "call_1"),
            ChatMessage(role: .tool, content: .text(""), toolCallID: "call.2"),
            .user("And tomorrow?"),
        ])
        chat.maxTokens = 300
        chat.temperature = 0.2
        chat.topP = 0.9
        chat.stop = ["END"]
        chat.seed = 7
        chat.extra["top_k"] = 40
        chat.tools = [Self.weather]
        chat.toolChoice = .required
        let body = try Self.body(chat)
        #expect(body["system"] == [["text": "Be brief."]])
        #expect(body["inferenceConfig"] == ["maxTokens": 300, "temperature": 0.2, "topP": 0.9, "stopSequences": ["END"]])
        #expect(body["additionalModelRequestFields"] == ["top_k": 40])
        #expect(body["seed"] == nil)
        let messages = body["messages"]!.arrayValue!
        #expect(messages.map { $0["role"]!.stringValue! } == ["user", "assistant", "user", "assistant", "user"])
        #expect(messages[0]["content"] == [["text": "(conversation start)"]])
        #expect(messages[3]["content"] == [
            ["toolUse": ["toolUseId": "call_1", "name": "get_weather", "input": ["city": "Paris"]]],
            ["toolUse": ["toolUseId": "call_2", "name": "get_weather", "input": ["city": "Rome"]]]])
        #expect(messages[4]["content"] == [
            ["toolResult": ["toolUseId": "call_1", "content": [["text": "18C"]]]],
            ["toolResult": ["toolUseId": "call_2", "content": [["json": [:]]]]],
            ["text": "And tomorrow?"]])
        #expect(body["toolConfig"]?["toolChoice"] == ["any": [:]])
        #expect(body["toolConfig"]?["tools"] == [["toolSpec": ["name": "get_weather", "description": "Weather",
                                                               "inputSchema": ["json": ["type": "object", "properties": ["city": ["type": "string"]]]]]]])
        // The mock validates bodies as Bedrock does.
        #expect(MockBedrockUpstream.validationError(body: body) == nil)
    }

    @Test("tool_choice forms, JSON mode as a forced tool, a tool history without tools declares its tools")
    func toolChoices() throws {
        var chat = ChatRequest(model: "x", messages: [.user("hi")])
        chat.tools = [Self.weather]
        chat.toolChoice = .function(name: "get_weather")
        #expect(try Self.body(chat)["toolConfig"]?["toolChoice"] == ["tool": ["name": "get_weather"]])
        chat.toolChoice = .auto
        #expect(try Self.body(chat)["toolConfig"]?["toolChoice"] == ["auto": [:]])
        chat.toolChoice = ToolChoice.none
        #expect(try Self.body(chat)["toolConfig"] == nil)

        var json = ChatRequest(model: "x", messages: [.user("hi")])
        json.responseFormat = .jsonSchema(name: "answer", schema: ["type": "object", "properties": ["a": ["type": "integer"]]], strict: true, description: nil)
        let forced = try Self.body(json)["toolConfig"]
        #expect(forced?["toolChoice"] == ["tool": ["name": "gatewyse_json_response"]])
        #expect(forced?["tools"]?.arrayValue?.first?["toolSpec"]?["inputSchema"]?["json"] == ["type": "object", "properties": ["a": ["type": "integer"]]])

        let history = ChatRequest(model: "x", messages: [
            .user("hi"),
            ChatMessage(role: .assistant, content: nil, toolCalls: [ToolCall(id: "c1", name: "lookup", arguments: "{}")]),
            ChatMessage(role: .tool, content: .text("done"), toolCallID: "c1")])
        let declared = try Self.body(history)
        #expect(declared["toolConfig"] == ["tools": [["toolSpec": ["name": "lookup", "inputSchema": ["json": ["type": "object", "properties": [:]]]]]]])
        #expect(MockBedrockUpstream.validationError(body: declared) == nil)
    }

    @Test("images and documents travel as inline bytes; what Converse cannot take is refused before sending")
    func media() throws {
        let chat = ChatRequest(model: "x", messages: [ChatMessage(role: .user, content: .parts([
            .text("What is this?"), .imageURL(url: "data:image/png;base64,iVBORw0KGgo=", detail: nil),
            .other(JSONObject([("type", "file"), ("file", ["file_data": "data:application/pdf;base64,JVBERi0x"])]))]))])
        let content = try Self.body(chat)["messages"]?.arrayValue?.first?["content"]
        #expect(content == [["text": "What is this?"], ["image": ["format": "png", "source": ["bytes": "iVBORw0KGgo="]]],
                            ["document": ["format": "pdf", "name": "document-1", "source": ["bytes": "JVBERi0x"]]]])
        let adapter = Self.adapter()
        #expect(adapter.incompatibility(with: chat) == nil)
        let byURL = ChatRequest(model: "x", messages: [ChatMessage(role: .user, content: .parts([.imageURL(url: "https://example.com/a.png", detail: nil)]))])
        #expect(adapter.incompatibility(with: byURL) != nil)
        var several = ChatRequest(model: "x", messages: [.user("hi")])
        several.n = 2
        #expect(adapter.incompatibility(with: several) != nil)
        var forbidden = ChatRequest(model: "x", messages: [.user("hi"), ChatMessage(role: .assistant, content: nil, toolCalls: [ToolCall(id: "c", name: "get_weather", arguments: "{}")]),
                                                           ChatMessage(role: .tool, content: .text("ok"), toolCallID: "c")])
        forbidden.tools = [Self.weather]
        forbidden.toolChoice = ToolChoice.none
        #expect(adapter.incompatibility(with: forbidden)?.contains("tool_choice") == true)
    }

    @Test("answers: text, tool calls, reasoning with signature, JSON-mode tool as content, usage with cache tokens, request id")
    func responses() throws {
        let body: JSONValue = ["output": ["message": ["role": "assistant", "content": [
            ["reasoningContent": ["reasoningText": ["text": "Think.", "signature": "sig"]]],
            ["text": "Checking."], ["toolUse": ["toolUseId": "tu1", "name": "get_weather", "input": ["city": "Paris"]]]]]],
            "stopReason": "tool_use",
            "usage": ["inputTokens": 10, "outputTokens": 5, "totalTokens": 45, "cacheReadInputTokens": 20, "cacheWriteInputTokens": 10]]
        let response = try Self.adapter().parseChatResponse(status: 200, headers: [("x-amzn-RequestId", "req-1")], body: JSONWriter.bytes(body))
        #expect(response.id == "chatcmpl-req-1")
        let choice = response.choices[0]
        #expect(choice.finishReason == .toolCalls)
        #expect(choice.message.content == .text("Checking."))
        #expect(choice.message.toolCalls == [ToolCall(id: "tu1", name: "get_weather", arguments: #"{"city":"Paris"}"#)])
        #expect(choice.message.reasoningContent == "Think.")
        #expect(choice.message.extra["thinking_blocks"] == [["type": "thinking", "thinking": "Think.", "signature": "sig"]])
        #expect(response.usage?.promptTokens == 40)
        #expect(response.usage?.completionTokens == 5)
        #expect(response.usage?.cachedPromptTokens == 20)
        #expect(response.usage?.cacheWriteTokens == 10)

        let json: JSONValue = ["output": ["message": ["role": "assistant", "content": [["toolUse": ["toolUseId": "t", "name": "gatewyse_json_response", "input": ["a": 1]]]]]],
                               "stopReason": "tool_use", "usage": ["inputTokens": 1, "outputTokens": 1, "totalTokens": 2]]
        let structured = try Self.adapter().parseChatResponse(status: 200, headers: [], body: JSONWriter.bytes(json))
        #expect(structured.choices[0].message.content == .text(#"{"a":1}"#))
        #expect(structured.choices[0].finishReason == .stop)
        #expect(structured.id == "chatcmpl-fixed")
        #expect(BedrockConverseWire.finishReason("guardrail_intervened") == .contentFilter)
        #expect(BedrockConverseWire.finishReason("max_tokens") == .length)
        #expect(throws: GatewayError.self) { try Self.adapter().parseChatResponse(status: 200, headers: [], body: Array(#"{"stopReason":"end_turn"}"#.utf8)) }
    }

    @Test("failures: throttling and quota are 429s, model errors retryable 502s, bad credentials 502, validation 400; no secret leaks")
    func failures() {
        let adapter = Self.adapter()
        func failure(_ status: Int, _ type: String, _ message: String) -> UpstreamFailure {
            adapter.parseFailure(status: status, headers: [("x-amzn-ErrorType", "\(type):http://internal.amazon.com/coral/com.amazon.bedrock/")],
                                 body: JSONWriter.bytes(["message": .string(message)]))
        }
        let throttled = failure(429, "ThrottlingException", "Too many requests")
        #expect(throttled.error.status == 429 && throttled.retryable)
        #expect(throttled.error.message.contains("ThrottlingException: Too many requests"))
        #expect(failure(400, "ServiceQuotaExceededException", "quota").error.status == 429)
        let modelError = failure(424, "ModelErrorException", "boom")
        #expect(modelError.error.status == 502 && modelError.retryable)
        let denied = failure(403, "InvalidSignatureException", "bad signature for mock/bedrock+secret-key-0123456789")
        #expect(denied.error.status == 502 && denied.retryable)
        #expect(!denied.error.message.contains("mock/bedrock+secret-key-0123456789"))
        let invalid = failure(400, "ValidationException", "messages.0: blank")
        #expect(invalid.error.status == 400 && !invalid.retryable)
        #expect(failure(408, "ModelTimeoutException", "slow").error.status == 504)
    }
}
