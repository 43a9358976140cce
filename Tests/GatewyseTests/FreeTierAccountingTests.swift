import GatewyseCore
import GatewyseEngine
import GatewyseProviders
import GatewyseRouting
import Logging
import Testing

/// Every provider with a declared free tier is counted, whatever its wire format: the executor
/// used to count only OpenAI-format adapters, so Gemini's and Cohere's free quotas never ran
/// down and free-tier-first routing kept choosing them after they were spent.
@Suite("Free-tier accounting across wire formats")
struct FreeTierAccountingTests {
    /// An upstream that answers every request with the same 200.
    struct CannedTransport: UpstreamTransport {
        let body: [UInt8]
        func send(_ request: UpstreamRequest, timeouts: UpstreamSettings) async throws -> UpstreamResponse {
            UpstreamResponse(status: 200, headers: [("content-type", "application/json")], body: CannedBody(bytes: body))
        }
    }

    struct CannedBody: UpstreamBody {
        let bytes: [UInt8]
        func next() async throws -> [UInt8]? { nil }
        func collect(upTo limit: Int) async throws -> [UInt8] { bytes }
    }

    static let answers: [String: String] = [
        "gemini": #"{"candidates":[{"content":{"role":"model","parts":[{"text":"hi"}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":5,"totalTokenCount":15}}"#,
        "cohere": #"{"id":"c1","finish_reason":"COMPLETE","message":{"role":"assistant","content":[{"type":"text","text":"hi"}]},"usage":{"tokens":{"input_tokens":10,"output_tokens":5}}}"#,
        "groq": #"{"id":"g1","object":"chat.completion","created":1,"model":"llama-3.3-70b-versatile","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}"#,
    ]

    @Test("a successful answer counts one request against the deployment's declared quota", arguments: [
        // (type, upstream model, tracker key for provider id "free", the window that quota declares)
        ("gemini", "gemini-2.5-flash", "free/gemini-2.5-flash", QuotaWindow.day),
        ("cohere", "command-r7b-12-2024", "free", QuotaWindow.month),
        ("groq", "llama-3.3-70b-versatile", "free/llama-3.3-70b-versatile", QuotaWindow.day),
    ])
    func counted(type: String, model: String, key: String, window: QuotaWindow) async throws {
        let entry = try #require(ProviderCatalog.entry(forType: type))
        var configuration = GatewayConfiguration()
        configuration.providers = [ProviderConfiguration(id: "free", entry: entry, baseURL: entry.defaultBaseURL ?? "https://example.com", apiKey: Secret("k"))]
        configuration.models = [ModelAlias(name: "chat", strategy: .freeTierFirst, targets: [ModelTarget(provider: "free", model: model)])]
        let routing = RoutingRuntime(configuration: configuration, clock: { 1_795_478_400 })
        let executor = RouteExecutor(transport: CannedTransport(body: Array(try #require(Self.answers[type]).utf8)),
                                     settings: configuration.upstream, routing: routing)
        let before = try #require(routing.freeTier.remaining(key, .requests, per: window, at: 1_795_478_400))
        let route = try RouteResolver(configuration: configuration).resolve(model: "chat")
        let answer = try await executor.chat(ChatRequest(model: "chat", messages: [ChatMessage(role: .user, content: .text("hi"))]),
                                             route: route, tenantID: "t", logger: Logger(label: "test"))
        #expect(answer.value.choices.first?.message.content == .text("hi"))
        #expect(routing.freeTier.remaining(key, .requests, per: window, at: 1_795_478_400) == before - 1)
    }
}
