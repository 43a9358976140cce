import AsyncHTTPClient
import Foundation
import GatewyseCore
import GatewyseTesting
import NIOCore
import Testing

/// The mock Cohere itself: it must refuse what the real API refuses, in its words, and answer in
/// the documented shapes.
@Suite("Mock Cohere upstream", .serialized)
struct CohereMockUpstreamTests {
    struct Reply {
        var status: Int
        var headers: [(String, String)]
        var body: String
        var json: JSONValue? { try? JSONParser.parse(body) }
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name }?.1 }
    }

    static func post(_ mock: MockCohereUpstream, path: String = "/v2/chat", _ body: String, key: String? = "co-test") async throws -> Reply {
        var request = HTTPClientRequest(url: mock.baseURL + path)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        if let key { request.headers.add(name: "authorization", value: "Bearer \(key)") }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: String(buffer: bytes))
    }

    static func withMock(_ body: (MockCohereUpstream) async throws -> Void) async throws {
        let mock = try await MockCohereUpstream.start()
        do { try await body(mock) } catch { await mock.stop(); throw error }
        await mock.stop()
    }

    static func chat(_ model: String = "command-a-03-2025", stream: Bool = false, _ extra: String = "") -> String {
        #"{"model":"\#(model)","stream":\#(stream),"messages":[{"role":"user","content":"hello there friend"}]\#(extra)}"#
    }

    @Test("a valid request gets message.content, COMPLETE and usage with tokens and billed_units; the request is recorded")
    func valid() async throws {
        try await Self.withMock { mock in
            let reply = try await Self.post(mock, Self.chat())
            #expect(reply.status == 200)
            #expect(reply.json?["message"]?["content"] == [["type": "text", "text": "You said: hello there friend"]])
            #expect(reply.json?["finish_reason"] == "COMPLETE")
            #expect(reply.json?["usage"]?["tokens"] == ["input_tokens": 10, "output_tokens": 5])
            #expect(reply.json?["usage"]?["billed_units"] != nil)
            #expect(mock.requests.last?.headers["authorization"] == "Bearer co-test")
            #expect(mock.requests.last?.path == "/v2/chat")
        }
    }

    @Test("invalid requests get Cohere's 400 {id, message} naming the problem", arguments: [
        (#"{"messages":[{"role":"user","content":"hi"}]}"#, "invalid request: model is required"),
        (#"{"model":"m"}"#, "invalid request: messages is required"),
        (#"{"model":"m","messages":[]}"#, "invalid request: messages must not be empty"),
        (#"{"model":"m","messages":[{"role":"developer","content":"hi"}]}"#,
         #"invalid request: messages[0].role must be one of system, user, assistant, tool, got "developer""#),
        (#"{"model":"m","n":1,"messages":[{"role":"user","content":"hi"}]}"#, "unknown field: parameter n is not a valid field"),
        (#"{"model":"m","top_p":0.5,"messages":[{"role":"user","content":"hi"}]}"#, "unknown field: parameter top_p is not a valid field"),
        (#"{"model":"m","stop":["x"],"messages":[{"role":"user","content":"hi"}]}"#, "unknown field: parameter stop is not a valid field"),
        (#"{"model":"m","max_completion_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#,
         "unknown field: parameter max_completion_tokens is not a valid field"),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"auto"}"#,
         #"invalid request: tool_choice must be one of REQUIRED, NONE, got "auto""#),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","strict":true}}]}"#,
         "unknown field: parameter tools[0].function.strict is not a valid field"),
        (#"{"model":"m","messages":[{"role":"user","name":"ann","content":"hi"}]}"#, "unknown field: parameter messages[0].name is not a valid field"),
        (#"{"model":"m","p":1,"messages":[{"role":"user","content":"hi"}]}"#, "invalid request: p must be between 0.01 and 0.99, got 1.0"),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"},{"role":"assistant","tool_calls":[{"id":"a1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"b2","content":"x"}]}"#,
         "tool call id not found in previous tool calls"),
    ])
    func invalid(body: String, message: String) async throws {
        try await Self.withMock { mock in
            let reply = try await Self.post(mock, body)
            #expect(reply.status == 400)
            #expect(reply.json?["message"]?.stringValue == message)
            #expect(reply.json?["id"]?.stringValue?.isEmpty == false)
        }
    }

    @Test("no Bearer key → 401; another path → 404")
    func authAndPath() async throws {
        try await Self.withMock { mock in
            let missing = try await Self.post(mock, Self.chat(), key: nil)
            #expect(missing.status == 401)
            #expect(missing.json?["message"] == "no api key supplied")
            let v1 = try await Self.post(mock, path: "/v1/chat", Self.chat())
            #expect(v1.status == 404)
        }
    }

    @Test("scenarios: tool call with tool_plan, parallel calls, REQUIRED forces a call, 429 and 500 with Cohere bodies")
    func scenarios() async throws {
        try await Self.withMock { mock in
            let tools = #","tools":[{"type":"function","function":{"name":"lookup"}},{"type":"function","function":{"name":"clock"}}]"#
            let tool = try await Self.post(mock, Self.chat("cohere-tool", tools))
            #expect(tool.json?["finish_reason"] == "TOOL_CALL")
            #expect(tool.json?["message"]?["tool_plan"]?.stringValue?.isEmpty == false)
            #expect(tool.json?["message"]?["tool_calls"] == [["id": "lookup_mock0", "type": "function",
                                                              "function": ["name": "lookup", "arguments": #"{"city": "Paris"}"#]]])
            let parallel = try await Self.post(mock, Self.chat("cohere-parallel-tools", tools))
            #expect(parallel.json?["message"]?["tool_calls"]?.arrayValue?.compactMap { $0["function"]?["name"]?.stringValue } == ["lookup", "clock"])
            let forced = try await Self.post(mock, Self.chat("command-r7b-12-2024", tools + #","tool_choice":"REQUIRED""#))
            #expect(forced.json?["finish_reason"] == "TOOL_CALL")
            let limited = try await Self.post(mock, Self.chat("error-429"))
            #expect(limited.status == 429)
            #expect(limited.json?["message"]?.stringValue?.contains("Trial key") == true)
            let failed = try await Self.post(mock, Self.chat("error-500"))
            #expect(failed.status == 500)
            #expect(failed.json?["id"] != nil)
        }
    }

    @Test("streams are event:/data: pairs in the documented order, each data naming its type, ending with message-end and usage")
    func streams() async throws {
        try await Self.withMock { mock in
            let reply = try await Self.post(mock, Self.chat(stream: true))
            #expect(reply.status == 200)
            #expect(reply.header("content-type") == "text/event-stream")
            var decoder = SSEDecoder()
            let events = try decoder.feed(Array(reply.body.utf8))
            #expect(events.allSatisfy { event in (try? JSONParser.parse(event.data))?["type"]?.stringValue == event.event })
            #expect(events.map { $0.event ?? "" }.filter { $0 != "content-delta" } == ["message-start", "content-start", "content-end", "message-end"])
            let text = try events.filter { $0.event == "content-delta" }
                .compactMap { try JSONParser.parse($0.data)["delta"]?["message"]?["content"]?["text"]?.stringValue }.joined()
            #expect(text == "You said: hello there friend")
            let end = try JSONParser.parse(events.last?.data ?? "")
            #expect(end["delta"]?["finish_reason"] == "COMPLETE")
            #expect(end["delta"]?["usage"]?["tokens"]?["input_tokens"] == 10)

            let tools = #","tools":[{"type":"function","function":{"name":"lookup"}}]"#
            let toolReply = try await Self.post(mock, Self.chat("cohere-tool", stream: true, tools))
            var toolDecoder = SSEDecoder()
            let kinds = try toolDecoder.feed(Array(toolReply.body.utf8)).map { $0.event ?? "" }
            #expect(kinds.first == "message-start")
            #expect(kinds.contains("tool-plan-delta"))
            #expect(kinds.firstIndex(of: "tool-call-start")! < kinds.firstIndex(of: "tool-call-delta")!)
            #expect(kinds.suffix(2) == ["tool-call-end", "message-end"])
        }
    }
}
