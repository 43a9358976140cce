import AsyncHTTPClient
import Foundation
import GatewyseCore
import GatewyseTesting
import NIOCore
import Testing

/// The mock Gemini itself: it must refuse what the real API refuses, in its words, and answer in
/// the documented shapes.
@Suite("Mock Gemini upstream", .serialized)
struct GeminiMockUpstreamTests {
    struct Reply {
        var status: Int
        var headers: [(String, String)]
        var body: String
        var json: JSONValue? { try? JSONParser.parse(body) }
        var errorMessage: String? { json?["error"]?["message"]?.stringValue }
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name }?.1 }
    }

    static func post(_ mock: MockGeminiUpstream, model: String = "gemini-2.5-flash", method: String = "generateContent", query: String = "",
                     _ body: String, key: String? = "AIza-test") async throws -> Reply {
        var request = HTTPClientRequest(url: mock.baseURL + "/models/\(model):\(method)" + query)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        if let key { request.headers.add(name: "x-goog-api-key", value: key) }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: String(buffer: bytes))
    }

    static func withMock(_ body: (MockGeminiUpstream) async throws -> Void) async throws {
        let mock = try await MockGeminiUpstream.start()
        do { try await body(mock) } catch { await mock.stop(); throw error }
        await mock.stop()
    }

    static let hello = #"{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}"#

    @Test("a valid request gets candidates and usageMetadata; the request is recorded")
    func valid() async throws {
        try await Self.withMock { mock in
            let reply = try await Self.post(mock, Self.hello)
            #expect(reply.status == 200)
            #expect(reply.json?["candidates"]?.arrayValue?.first?["content"]?["parts"] == [["text": "You said: hi"]])
            #expect(reply.json?["candidates"]?.arrayValue?.first?["finishReason"] == "STOP")
            #expect(reply.json?["usageMetadata"]?["totalTokenCount"] == 15)
            #expect(mock.requests.last?.headers["x-goog-api-key"] == "AIza-test")
            #expect(mock.requests.last?.path == "/v1beta/models/gemini-2.5-flash:generateContent")
            let keyInQuery = try await Self.post(mock, query: "?key=AIza-q", Self.hello, key: nil)
            #expect(keyInQuery.status == 200)
        }
    }

    @Test("invalid requests get Google's 400 INVALID_ARGUMENT with a precise message", arguments: [
        (#"{"messages":[{"role":"user","content":"hi"}]}"#, #"Invalid JSON payload received. Unknown name "messages": Cannot find field."#),
        (#"{"generationConfig":{"temperature":1}}"#, "* GenerateContentRequest.contents: contents is not specified\n"),
        (#"{"contents":[{"role":"assistant","parts":[{"text":"hi"}]}]}"#, "Please use a valid role: user, model."),
        (#"{"contents":[{"role":"user","parts":[{"functionResponse":{"response":{"result":"x"}}}]}]}"#,
         "* GenerateContentRequest.contents[0].parts[0].function_response.name: Name cannot be empty.\n"),
        (#"{"contents":[{"role":"user","parts":[{"text":"x"}]}],"generationConfig":{"max_tokens":5}}"#,
         #"Invalid JSON payload received. Unknown name "max_tokens" at 'generation_config': Cannot find field."#),
        (#"{"contents":[{"role":"user","parts":[{"text":"x"}]}],"tools":[{"functionDeclarations":[{"name":"f","parameters":{"type":"object","additionalProperties":false,"properties":{"a":{"type":"string"}}}}]}]}"#,
         #"Invalid JSON payload received. Unknown name "additionalProperties" at 'GenerateContentRequest.tools[0].function_declarations[0].parameters': Cannot find field."#),
    ])
    func invalid(body: String, message: String) async throws {
        try await Self.withMock { mock in
            let reply = try await Self.post(mock, body)
            #expect(reply.status == 400)
            #expect(reply.json?["error"]?["status"] == "INVALID_ARGUMENT")
            #expect(reply.json?["error"]?["code"] == 400)
            #expect(reply.errorMessage == message)
        }
    }

    @Test("no API key → 403 PERMISSION_DENIED")
    func missingKey() async throws {
        try await Self.withMock { mock in
            let reply = try await Self.post(mock, Self.hello, key: nil)
            #expect(reply.status == 403)
            #expect(reply.json?["error"]?["status"] == "PERMISSION_DENIED")
        }
    }

    @Test("scenarios: tool call, parallel tools, blocked prompt, 429 with RetryInfo")
    func scenarios() async throws {
        try await Self.withMock { mock in
            let tools = #","tools":[{"functionDeclarations":[{"name":"lookup"},{"name":"clock"}]}]"#
            let tool = try await Self.post(mock, model: "gemini-tool", #"{"contents":[{"role":"user","parts":[{"text":"x"}]}]\#(tools)}"#)
            #expect(tool.json?["candidates"]?.arrayValue?.first?["content"]?["parts"] == [["functionCall": ["name": "lookup", "args": ["city": "Paris"]]]])
            let parallel = try await Self.post(mock, model: "gemini-parallel-tools", #"{"contents":[{"role":"user","parts":[{"text":"x"}]}]\#(tools)}"#)
            #expect(parallel.json?["candidates"]?.arrayValue?.first?["content"]?["parts"]?.arrayValue?.count == 2)
            let blocked = try await Self.post(mock, model: "gemini-blocked", Self.hello)
            #expect(blocked.json?["candidates"] == nil)
            #expect(blocked.json?["promptFeedback"]?["blockReason"] == "SAFETY")
            let limited = try await Self.post(mock, model: "error-429", Self.hello)
            #expect(limited.status == 429)
            #expect(limited.json?["error"]?["status"] == "RESOURCE_EXHAUSTED")
            #expect(limited.json?["error"]?["details"]?.arrayValue?.contains { $0["retryDelay"] == "7s" } == true)
            #expect(limited.header("retry-after") == nil)
            let failed = try await Self.post(mock, model: "error-500", Self.hello)
            #expect(failed.status == 500)
        }
    }

    @Test("alt=sse streams data-only frames with usage on the last and no [DONE]; without it a JSON array")
    func streams() async throws {
        try await Self.withMock { mock in
            let sse = try await Self.post(mock, method: "streamGenerateContent", query: "?alt=sse",
                                          #"{"contents":[{"role":"user","parts":[{"text":"hello there friend"}]}]}"#)
            #expect(sse.status == 200)
            #expect(sse.header("content-type") == "text/event-stream")
            #expect(!sse.body.contains("[DONE]"))
            #expect(!sse.body.contains("event:"))
            var decoder = SSEDecoder()
            let frames = try decoder.feed(Array(sse.body.utf8)).map { try JSONParser.parse($0.data) }
            #expect(frames.count > 2)
            #expect(frames.dropLast().allSatisfy { $0["usageMetadata"] == nil && $0["candidates"]?.arrayValue?.first?["finishReason"] == nil })
            #expect(frames.last?["usageMetadata"]?["totalTokenCount"] == 15)
            let text = frames.compactMap { $0["candidates"]?.arrayValue?.first?["content"]?["parts"]?.arrayValue?.first?["text"]?.stringValue }.joined()
            #expect(text == "You said: hello there friend")
            let array = try await Self.post(mock, method: "streamGenerateContent", Self.hello)
            #expect(array.json?.arrayValue?.isEmpty == false)
        }
    }
}
