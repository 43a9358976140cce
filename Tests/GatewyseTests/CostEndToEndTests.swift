import GatewyseCore
@testable import GatewyseEngine
import GatewyseProviders
import GatewyseRouting
import GatewyseStorage
import GatewyseTesting
import Testing

/// The cost a completion event carries, end to end through the gateway and the mock upstreams:
/// cache reads and writes and reasoning tokens priced as the price book says, streams whose
/// usage never came billed on an estimate, and a price set through the admin API charged on the
/// next request (issue 12, item 2).
@Suite("Cost end to end", .serialized)
struct CostEndToEndTests {
    /// gpt-5's list prices (providers.md §1: 1.25 / 10) with OpenAI's cached-input price, for the
    /// mock's reasoning model; and a price for its slow stream.
    static let reasoningPrice = ModelPrice(input: 1.25, output: 10, cachedInput: 0.125)
    static let slowStreamPrice = ModelPrice(input: 1, output: 4)

    static func withGateway(_ body: (TestGateway, RecordingObserver) async throws -> Void) async throws {
        let anthropic = try await MockAnthropicUpstream.start()
        let observer = RecordingObserver()
        let gateway = try await TestGateway.start(extraProviders: [
            ProviderConfiguration(id: "claude", entry: ProviderCatalog.entry(forType: "anthropic")!,
                                  baseURL: anthropic.baseURLWithoutV1, apiKey: Secret("sk-ant-test")),
        ], observers: [observer]) { configuration in
            configuration.prices["mock/mock-reasoning"] = Self.reasoningPrice
            configuration.prices["mock/slow-stream"] = Self.slowStreamPrice
        }
        do {
            try await body(gateway, observer)
        } catch {
            await gateway.stop()
            await anthropic.stop()
            throw error
        }
        await gateway.stop()
        await anthropic.stop()
    }

    static func event(_ observer: RecordingObserver, _ count: Int = 1) async throws -> CompletionEvent {
        let events = try await observer.settle(count: count)
        return try #require(events.last)
    }

    @Test("a streamed Anthropic answer with cache reads and writes costs exactly what the price book says, on both client formats")
    func anthropicCacheStream() async throws {
        try await Self.withGateway { gateway, observer in
            // The mock answers a prompt with cache_control as a partly cached, partly written
            // prefix: input_tokens 12, cache_read_input_tokens 1,800,
            // cache_creation_input_tokens 200, output_tokens 5 (message_start, message_delta).
            // claude-sonnet-4-6 (built in, by the provider's type): 3 in, 0.30 read, 3.75 write,
            // 15 out per 1M: 12 × 3 + 1,800 × 0.30 + 200 × 3.75 + 5 × 15 = 36 + 540 + 750 + 75
            // = 1,401 per 1M tokens.
            let expected = try #require(Money(usd: "0.001401"))
            #expect(PriceBook.defaults.cost(usage: {
                var usage = Usage(promptTokens: 2_012, completionTokens: 5)
                usage.cachedPromptTokens = 1_800
                usage.cacheWriteTokens = 200
                return usage
            }(), providerID: "anthropic", model: "claude-sonnet-4-6") == expected)

            let messages = try await EndToEndTests.post(gateway, "/v1/messages", body: #"""
                {"model":"claude/claude-sonnet-4-6","max_tokens":64,"stream":true,
                 "system":[{"type":"text","text":"A long policy worth caching.","cache_control":{"type":"ephemeral"}}],
                 "messages":[{"role":"user","content":"hi"}]}
                """#)
            #expect(messages.status == 200, "\(messages.body)")
            // The Anthropic client sees Anthropic's own split: input without cache reads and writes.
            let delta = try #require(try AnthropicEndToEndTests.events(messages).last { $0["type"] == "message_delta" })
            #expect(delta["usage"]?["input_tokens"] == 12)
            #expect(delta["usage"]?["cache_read_input_tokens"] == 1_800)
            #expect(delta["usage"]?["cache_creation_input_tokens"] == 200)
            #expect(delta["usage"]?["output_tokens"] == 5)
            let first = try await Self.event(observer)
            #expect(first.outcome == .streamFinished)
            #expect(first.usage?.promptTokens == 2_012 && first.usage?.cachedPromptTokens == 1_800 && first.usage?.cacheWriteTokens == 200)
            #expect(first.usageEstimated == false)
            #expect(first.cost == expected)

            let chat = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: #"""
                {"model":"claude/claude-sonnet-4-6","stream":true,"stream_options":{"include_usage":true},
                 "messages":[{"role":"system","content":[{"type":"text","text":"A long policy worth caching.","cache_control":{"type":"ephemeral"}}]},
                             {"role":"user","content":"hi"}]}
                """#)
            #expect(chat.status == 200, "\(chat.body)")
            // The OpenAI client sees OpenAI's semantics: prompt tokens include the cached ones.
            let usage = try #require(try AnthropicEndToEndTests.events(chat).last { $0["usage"]?.objectValue != nil }?["usage"])
            #expect(usage["prompt_tokens"] == 2_012 && usage["prompt_tokens_details"]?["cached_tokens"] == 1_800)
            let second = try await Self.event(observer, 2)
            #expect(second.cost == expected)
        }
    }

    @Test("a streamed OpenAI answer with reasoning tokens costs exactly what the price says, relayed verbatim or translated")
    func openAIReasoningStream() async throws {
        try await Self.withGateway { gateway, observer in
            // The mock reports prompt_tokens 2,000 (1,500 cached) and completion_tokens 1,200
            // (1,000 of them reasoning, billed as output): 500 × 1.25 + 1,500 × 0.125 + 1,200 × 10
            // = 625 + 187.5 + 12,000 = 12,812.5 per 1M tokens.
            let expected = try #require(Money(usd: "0.0128125"))
            // An OpenAI client that did not ask for usage: relayed verbatim, the usage chunk hidden.
            let verbatim = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: EndToEndTests.chat("mock/mock-reasoning", stream: true))
            #expect(verbatim.status == 200 && !verbatim.body.contains("reasoning_tokens"), "\(verbatim.body)")
            let first = try await Self.event(observer)
            #expect(first.usage?.reasoningTokens == 1_000 && first.usage?.completionTokens == 1_200 && first.usage?.cachedPromptTokens == 1_500)
            #expect(first.usageEstimated == false)
            #expect(first.cost == expected)
            #expect(first.cost == Self.reasoningPrice.cost(usage: try #require(first.usage)))

            // An Anthropic client: the stream is decoded and translated.
            let translated = try await EndToEndTests.post(gateway, "/v1/messages", body: #"""
                {"model":"mock/mock-reasoning","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hi"}]}
                """#)
            #expect(translated.status == 200, "\(translated.body)")
            let second = try await Self.event(observer, 2)
            #expect(second.outcome == .streamFinished && second.cost == expected)
        }
    }

    @Test("a client that leaves mid-stream is billed for what was produced, on an estimate the event flags", arguments: [false, true])
    func clientGoneMidStream(anthropicClient: Bool) async throws {
        try await Self.withGateway { gateway, observer in
            let leaving = try await RawHTTPConnection.open(port: gateway.gateway.port)
            let request = anthropicClient
                ? RawRequest.build("POST", "/v1/messages", headers: DataPlaneTests.headers(gateway, id: "gone"),
                                   body: #"{"model":"mock/slow-stream","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"Tell me a long story"}]}"#)
                : DataPlaneTests.chat(gateway, "Tell me a long story", stream: true, model: "mock/slow-stream", id: "gone")
            try await leaving.send(request)
            // The mock sends a piece every 100 ms and its usage only after 50: leave after a few.
            try await Task.sleep(for: .milliseconds(450))
            await leaving.close()
            let event = try await Self.event(observer)
            #expect(event.outcome == .clientGone)
            #expect(event.usageEstimated)
            let usage = try #require(event.usage)
            // "piece0 " … : 7 bytes a piece, a token per 4 bytes; the prompt as TokenEstimator counts it.
            #expect(usage.completionTokens > 0 && usage.completionTokens < 50 * 7 / 4)
            #expect(usage.promptTokens > 0)
            let cost = try #require(event.cost)
            #expect(cost > .zero)
            #expect(cost == Self.slowStreamPrice.cost(usage: usage))
        }
    }

    @Test("a price set through the admin API reaches the next request's cost through the snapshot reload")
    func adminPriceReachesTheRequestPath() async throws {
        try await Self.withGateway { gateway, observer in
            let runtime = gateway.gateway.runtime
            let admin = AdminPrincipal(tenantID: "acme", homeTenantID: "acme", actorID: "usr_cost_admin", actorType: .user, userID: "usr_cost_admin",
                                       roles: [BuiltInRole.tenantAdmin.rawValue], permissions: BuiltInRole.tenantAdmin.permissions)
            let router = runtime.adminRouter
            func call(_ method: String, _ path: String, _ body: JSONValue?) async throws -> AdminAnswer {
                let (route, parameters) = try #require(router.route(method: method, path: path))
                return try await router.handle(route, AdminRequest(method: method, parameters: parameters, body: body, principal: admin))
            }
            // Before: the mock's echo model has no price, so a request costs nothing known.
            _ = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: EndToEndTests.chat("mock/mock-chat"))
            #expect(try await Self.event(observer).cost == nil)

            let created = try await call("POST", "/api/admin/models", [
                "id": "mock-chat", "provider": "mock",
                "pricing": ["inputPerMillionTokens": .number("0.15"), "outputPerMillionTokens": "0.6"],
            ])
            #expect(created.status == 201)
            #expect(created.body?["pricing"]?["inputPerMillionTokens"] == .number("0.15"))
            #expect(created.body?["pricing"]?["outputPerMillionTokens"] == .number("0.6"))
            // The mock reports 10 prompt and 5 completion tokens: 10 × 0.15 + 5 × 0.6 = 4.5 per 1M.
            _ = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: EndToEndTests.chat("mock/mock-chat"))
            #expect(try await Self.event(observer, 2).cost == Money(usd: "0.0000045"))
            // Through the alias too: the configured route's candidate is priced for the tenant.
            _ = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: EndToEndTests.chat("mock-chat"))
            #expect(try await Self.event(observer, 3).cost == Money(usd: "0.0000045"))

            _ = try await call("PATCH", "/api/admin/models/mock-chat", ["pricing": ["outputPerMillionTokens": 1.2]])
            _ = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: EndToEndTests.chat("mock-chat"))
            // 10 × 0.15 + 5 × 1.2 = 7.5 per 1M.
            #expect(try await Self.event(observer, 4).cost == Money(usd: "0.0000075"))

            _ = try await call("DELETE", "/api/admin/models/mock-chat", nil)
            _ = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: EndToEndTests.chat("mock-chat"))
            #expect(try await Self.event(observer, 5).cost == nil)
        }
    }
}
