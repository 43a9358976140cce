import GatewyseCore
import GatewyseEngine
import GatewyseProviders
import Testing

@Suite("Anthropic in the catalog")
struct AnthropicCatalogTests {
    @Test("the anthropic type: documented base without a version segment, x-api-key, ANTHROPIC_API_KEY, chat only")
    func entry() throws {
        let entry = try #require(ProviderCatalog.entry(forType: "anthropic"))
        #expect(entry.defaultBaseURL == "https://api.anthropic.com")
        #expect(entry.auth == .header("x-api-key"))
        #expect(entry.apiKeyVariable == "ANTHROPIC_API_KEY")
        #expect(entry.capabilities == [.chat])
        #expect(entry.requiresAPIKey)
        #expect(ProviderCatalog.knownTypes.contains("anthropic"))
    }

    @Test("a providers[] entry of type anthropic validates and the registry builds the Anthropic adapter")
    func configuration() throws {
        let configuration = try ConfigurationValidator.load(yaml: """
            providers:
              - id: claude
                type: anthropic
                api_key: ${ANTHROPIC_API_KEY}
            """, environment: ["ANTHROPIC_API_KEY": "sk-ant-test-123456"])
        let provider = try #require(configuration.providers.first { $0.id == "claude" })
        #expect(provider.baseURL == "https://api.anthropic.com")
        let adapter = ProviderRegistry.makeAdapter(for: provider)
        #expect(adapter is AnthropicAdapter)
        let upstream = try adapter.makeChatRequest(ChatRequest(model: "claude/claude-sonnet-4", messages: [.user("hi")]), upstreamModel: "claude-sonnet-4")
        #expect(upstream.url == "https://api.anthropic.com/v1/messages")
        #expect(ProviderRegistry.makeAdapter(for: ProviderConfiguration(id: "o", entry: ProviderCatalog.entry(forType: "openai")!,
                                                                        baseURL: "https://api.openai.com/v1", apiKey: nil)) is OpenAICompatibleAdapter)
    }
}
