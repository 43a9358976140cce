import Foundation
import GatewyseCore
import GatewyseProviders
import Testing

@Suite("OpenAI-compatible provider quirks")
struct ProviderQuirkTests {
    func adapter(_ type: String) -> OpenAICompatibleAdapter {
        let entry = ProviderCatalog.entry(forType: type)!
        return OpenAICompatibleAdapter(configuration: ProviderConfiguration(id: type, entry: entry, baseURL: entry.defaultBaseURL ?? "http://127.0.0.1:1/v1", apiKey: Secret("sk-test-1234567890")))
    }

    func request(_ text: String) throws -> ChatRequest {
        try OpenAIChatWire.decodeRequest(try JSONParser.parse(text))
    }

    func body(_ upstream: UpstreamRequest) throws -> JSONValue { try JSONParser.parse(upstream.body) }

    @Test("every type in the issue is in the catalog, with a base URL unless generic")
    func catalogComplete() {
        for type in ["openai", "groq", "deepseek", "together", "perplexity", "fireworks", "xai", "cerebras", "sambanova", "mistral",
                     "ai21", "huggingface", "vllm", "lmstudio", "localai", "llamacpp", "ollama", "openai-compatible"] {
            let entry = ProviderCatalog.entry(forType: type)
            #expect(entry != nil, "missing \(type)")
            #expect(entry?.capabilities.contains(.chat) == true)
            if type != "openai-compatible" { #expect(entry?.defaultBaseURL != nil) }
        }
    }

    @Test("OpenAI: bearer auth, URL, model rewritten, stream usage requested for metering")
    func openAI() throws {
        let upstream = try adapter("openai").makeChatRequest(try request(#"{"model":"a","stream":true,"messages":[{"role":"user","content":"x"}]}"#), upstreamModel: "gpt-4o-mini")
        #expect(upstream.url == "https://api.openai.com/v1/chat/completions")
        #expect(upstream.headers.contains { $0 == ("Authorization", "Bearer sk-test-1234567890") })
        let json = try body(upstream)
        #expect(json["model"] == "gpt-4o-mini")
        #expect(json["stream_options"]?["include_usage"] == true)
    }

    @Test("Groq: drops logprobs, logit_bias, top_logprobs and message names; n > 1 is incompatible")
    func groq() throws {
        let groq = adapter("groq")
        let chat = try request(#"{"model":"a","messages":[{"role":"user","content":"x","name":"bob"}],"logprobs":true,"top_logprobs":2,"logit_bias":{"1":1},"temperature":0.1}"#)
        let json = try body(try groq.makeChatRequest(chat, upstreamModel: "llama-3.1-8b-instant"))
        #expect(json["logprobs"] == nil && json["top_logprobs"] == nil && json["logit_bias"] == nil)
        #expect(json["messages"]?.arrayValue?[0]["name"] == nil)
        #expect(json["temperature"] == 0.1)
        #expect(groq.incompatibility(with: try request(#"{"model":"a","n":2,"messages":[{"role":"user","content":"x"}]}"#)) != nil)
    }

    @Test("Mistral: random_seed, tool_choice any, 9-character tool-call ids stable across turns")
    func mistral() throws {
        let chat = try request("""
            {"model":"a","seed":42,"tool_choice":"required","tools":[{"type":"function","function":{"name":"f"}}],"messages":[
             {"role":"user","content":"x"},
             {"role":"assistant","content":null,"tool_calls":[{"id":"call_abc123xyz789","type":"function","function":{"name":"f","arguments":"{}"}}]},
             {"role":"tool","tool_call_id":"call_abc123xyz789","content":"1"}]}
            """)
        let json = try body(try adapter("mistral").makeChatRequest(chat, upstreamModel: "mistral-small-latest"))
        #expect(json["seed"] == nil)
        #expect(json["random_seed"] == 42)
        #expect(json["tool_choice"] == "any")
        let messages = json["messages"]!.arrayValue!
        let callID = messages[1]["tool_calls"]?.arrayValue?[0]["id"]?.stringValue ?? ""
        #expect(callID.count == 9 && callID.allSatisfy { $0.isLetter || $0.isNumber })
        #expect(messages[2]["tool_call_id"]?.stringValue == callID)
    }

    @Test("Perplexity: tools are incompatible; unsupported sampling fields dropped")
    func perplexity() throws {
        let perplexity = adapter("perplexity")
        #expect(perplexity.incompatibility(with: try request(#"{"model":"a","tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"x"}]}"#)) != nil)
        let json = try body(try perplexity.makeChatRequest(try request(#"{"model":"a","stop":"x","seed":1,"messages":[{"role":"user","content":"x"}]}"#), upstreamModel: "sonar"))
        #expect(json["stop"] == nil && json["seed"] == nil)
        #expect(perplexity.configuration.baseURL == "https://api.perplexity.ai")
    }

    @Test("Cerebras: only auto/none tool_choice; penalties dropped")
    func cerebras() throws {
        let cerebras = adapter("cerebras")
        #expect(cerebras.incompatibility(with: try request(#"{"model":"a","tool_choice":"required","tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"x"}]}"#)) != nil)
        let json = try body(try cerebras.makeChatRequest(try request(#"{"model":"a","presence_penalty":1,"messages":[{"role":"user","content":"x"}]}"#), upstreamModel: "llama3.1-8b"))
        #expect(json["presence_penalty"] == nil)
    }

    @Test("Together: finish reason eos becomes stop, in responses and in streams")
    func together() throws {
        let together = adapter("together")
        let response = try together.parseChatResponse(status: 200, headers: [], body: Array(#"{"id":"x","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"eos"}]}"#.utf8))
        #expect(response.choices[0].finishReason == .stop)
        var decoder = together.makeChatStreamDecoder(for: try request(#"{"model":"a","messages":[{"role":"user","content":"x"}]}"#))
        let chunks = try decoder.decode(Array("data: {\"id\":\"x\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"eos\"}]}\n\ndata: [DONE]\n\n".utf8))
        #expect(chunks.first?.choices.first?.finishReason == .stop)
        #expect(decoder.isFinished)
    }

    @Test("DeepSeek: reasoning_content survives both ways")
    func deepseek() throws {
        let deepseek = adapter("deepseek")
        let chat = try request(#"{"model":"a","messages":[{"role":"assistant","content":"4","reasoning_content":"2+2"},{"role":"user","content":"again"}]}"#)
        let json = try body(try deepseek.makeChatRequest(chat, upstreamModel: "deepseek-v4-flash"))
        #expect(json["messages"]?.arrayValue?[0]["reasoning_content"] == "2+2")
        #expect(deepseek.configuration.baseURL == "https://api.deepseek.com")
        let response = try deepseek.parseChatResponse(status: 200, headers: [], body: Array(#"{"id":"x","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"4","reasoning_content":"think"},"finish_reason":"stop"}]}"#.utf8))
        #expect(response.choices[0].message.reasoningContent == "think")
    }

    @Test("failures: status mapping, retryability, Retry-After, no key in the message", arguments: [
        (429, "UPSTREAM_RATE_LIMITED", 429, true), (500, "UPSTREAM_ERROR", 502, true), (503, "UPSTREAM_ERROR", 502, true),
        (529, "UPSTREAM_ERROR", 502, true), (400, "UPSTREAM_REJECTED", 400, false), (404, "UPSTREAM_REJECTED", 404, false),
        (401, "UPSTREAM_AUTH_FAILED", 502, true), (408, "UPSTREAM_TIMEOUT", 504, true),
    ])
    func failures(status: Int, code: String, clientStatus: Int, retryable: Bool) {
        let failure = adapter("openai").parseFailure(status: status, headers: [("retry-after", "3")],
                                                     body: Array(#"{"error":{"message":"bad key sk-test-1234567890","type":"x"}}"#.utf8))
        #expect(failure.error.code == code)
        #expect(failure.error.status == clientStatus)
        #expect(failure.retryable == retryable)
        #expect(!failure.error.message.contains("1234567890"))
        if status == 429 {
            #expect(failure.retryAfterSeconds == 3)
            #expect(failure.error.headers.contains { $0 == ("Retry-After", "3") })
        }
    }

    @Test("a mid-stream error event becomes a 502, after the chunks that came with it in the same read")
    func streamError() throws {
        var decoder = adapter("openai").makeChatStreamDecoder(for: try request(#"{"model":"a","messages":[{"role":"user","content":"x"}]}"#))
        let stream = "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hal\"}}]}\n\n"
            + "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"f\"}}]}\n\n"
            + "data: {\"error\":{\"message\":\"overloaded\"}}\n\n"
            + "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"late\"}}]}\n\n"
        let chunks = try decoder.decode(Array(stream.utf8))
        #expect(chunks.compactMap { $0.choices.first?.delta.content }.joined() == "Half")
        #expect(decoder.failure?.status == 502)
        #expect(decoder.failure?.message == "Provider 'openai' failed mid-stream: overloaded")
        #expect(try decoder.decode(Array("data: [DONE]\n\n".utf8)).isEmpty)
        #expect(!decoder.isFinished)
    }
}

@Suite("Azure OpenAI")
struct AzureOpenAITests {
    func adapter(_ baseURL: String, apiVersion: String? = nil) -> OpenAICompatibleAdapter {
        OpenAICompatibleAdapter(configuration: ProviderConfiguration(
            id: "azure", entry: ProviderCatalog.entry(forType: "azure-openai")!, baseURL: baseURL, apiKey: Secret("azure-key-123456"), apiVersion: apiVersion))
    }

    @Test("deployment URLs carry the deployment and api-version; the key goes in api-key")
    func deploymentURL() throws {
        let chat = try OpenAIChatWire.decodeRequest(try JSONParser.parse(#"{"model":"a","messages":[{"role":"user","content":"x"}]}"#))
        let upstream = try adapter("https://res.openai.azure.com/openai", apiVersion: "2025-01-01-preview").makeChatRequest(chat, upstreamModel: "gpt 4o")
        #expect(upstream.url == "https://res.openai.azure.com/openai/deployments/gpt%204o/chat/completions?api-version=2025-01-01-preview")
        #expect(upstream.headers.contains { $0 == ("api-key", "azure-key-123456") })
        #expect(!upstream.headers.contains { $0.0 == "Authorization" })
        let defaulted = try adapter("https://res.openai.azure.com/openai").makeChatRequest(chat, upstreamModel: "gpt-4o")
        #expect(defaulted.url.hasSuffix("?api-version=\(OpenAICompatibleAdapter.defaultAzureAPIVersion)"))
    }

    @Test("the /openai/v1 form uses the plain OpenAI path")
    func v1URL() throws {
        let chat = try OpenAIChatWire.decodeRequest(try JSONParser.parse(#"{"model":"a","messages":[{"role":"user","content":"x"}]}"#))
        let upstream = try adapter("https://res.openai.azure.com/openai/v1").makeChatRequest(chat, upstreamModel: "gpt-4o")
        #expect(upstream.url == "https://res.openai.azure.com/openai/v1/chat/completions")
    }

    @Test("a content-filtered completion and retry-after-ms are understood")
    func filtersAndRetry() throws {
        let azure = adapter("https://res.openai.azure.com/openai")
        let response = try azure.parseChatResponse(status: 200, headers: [], body: Array(#"{"id":"x","created":1,"model":"m","prompt_filter_results":[],"choices":[{"index":0,"message":{"role":"assistant","content":""},"finish_reason":"content_filter","content_filter_results":{"hate":{"filtered":true,"severity":"high"}}}]}"#.utf8))
        #expect(response.choices[0].finishReason == .contentFilter)
        #expect(response.extra["prompt_filter_results"] == [])
        let failure = azure.parseFailure(status: 429, headers: [("retry-after-ms", "1500")], body: Array(#"{"error":{"code":"429","message":"Rate limit"}}"#.utf8))
        #expect(failure.retryAfterSeconds == 1.5)
        #expect(failure.error.headers.contains { $0 == ("Retry-After", "2") })
    }

    @Test("an Azure stream that opens with prompt_filter_results and no choices decodes")
    func streamPreamble() throws {
        var decoder = adapter("https://res.openai.azure.com/openai").makeChatStreamDecoder(for: ChatRequest(model: "m", messages: [.user("x")]))
        let chunks = try decoder.decode(Array("""
            data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}]}

            data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}

            data: [DONE]


            """.utf8))
        #expect(chunks.count == 2)
        #expect(chunks[1].choices.first?.delta.content == "hi")
        #expect(decoder.isFinished)
    }
}
