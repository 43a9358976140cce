import GatewyseCore
import NIOCore
import NIOHTTP1

// MARK: - Rerank, as vLLM serves it (providers.md §21: `/rerank`, `/v1/rerank`)

extension MockHTTPHandler {
    /// The OpenAI-format mock playing a self-hosted vLLM's Jina/Cohere-style `POST /v1/rerank`
    /// (OpenAI itself has none). Error models (`error-429`, `reset`, `slow`…) behave as for chat.
    func rerank(context: ChannelHandlerContext, headers: [String: String], body: JSONValue?) {
        // vLLM started with `--api-key` guards `/v1`; the mock always expects a key.
        guard (headers["authorization"] ?? "").hasPrefix("Bearer ") else {
            return sendJSON(context: context, status: .unauthorized, ["error": "Unauthorized"])
        }
        let scenario = MockScenario.forModel(body?["model"]?.stringValue ?? "")
        if playFailure(scenario, context: context, answer: { self.sendRerank(context: $0, body: body) }) { return }
        sendRerank(context: context, body: body)
    }

    private func sendRerank(context: ChannelHandlerContext, body: JSONValue?) {
        do throws(MockVLLMRerank.Rejection) {
            sendJSON(context: context, status: .ok, try MockVLLMRerank.answer(body: body))
        } catch {
            // vLLM's current error body: OpenAI's envelope with the HTTP status as an integer code.
            sendJSON(context: context, status: .badRequest, ["error": ["message": .string(error.message), "type": "BadRequestError",
                                                                         "param": nil, "code": 400]])
        }
    }
}

/// vLLM's rerank (`{model, query, documents, top_n}` → `{id, model, usage:{total_tokens},
/// results:[{index, document:{text}, relevance_score}]}`, best first, `top_n` 0 or absent
/// meaning all) as a pure function. Unknown fields are ignored, as vLLM ignores them (with a
/// warning in its log).
enum MockVLLMRerank {
    struct Rejection: Error {
        var message: String
    }

    static func answer(body: JSONValue?) throws(Rejection) -> JSONValue {
        guard let body = body?.objectValue else { throw Rejection(message: "Expected a JSON object") }
        guard let model = body["model"]?.stringValue, !model.isEmpty else { throw Rejection(message: "model: Field required") }
        guard let query = body["query"]?.stringValue else { throw Rejection(message: "query: Input should be a valid string") }
        guard let items = body["documents"]?.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else {
            throw Rejection(message: "documents: Input should be a valid list of strings")
        }
        guard !items.isEmpty else { throw Rejection(message: "documents: at least one document is required") }
        var topN = 0
        if let value = body["top_n"] {
            guard let n = value.intValue, n >= 0 else { throw Rejection(message: "top_n: Input should be a valid integer") }
            topN = n
        }
        let documents = items.compactMap(\.stringValue)
        var ranked = MockRerankScores.ranked(query: query, documents: documents)
        if topN > 0, topN < ranked.count { ranked = Array(ranked.prefix(topN)) }
        let results: [JSONValue] = ranked.map {
            ["index": .int($0.index), "document": ["text": .string(documents[$0.index])], "relevance_score": .number(String($0.score))]
        }
        let tokens = documents.reduce(0) { $0 + MockEmbeddingVectors.tokenCount(.text(query)) + MockEmbeddingVectors.tokenCount(.text($1)) }
        return ["id": "rerank-mock0123456789", "model": .string(model), "usage": ["total_tokens": .int(tokens)], "results": .array(results)]
    }
}
