/// The unified embeddings model: what `POST /v1/embeddings` is normalized to and every adapter
/// with embeddings translates from. Field meanings follow OpenAI's embeddings API
/// (providers.md §1 "Other endpoints"); `extra` keeps fields the gateway does not model so
/// OpenAI-compatible upstreams still receive them.
public struct EmbeddingRequest: Sendable, Equatable {
    public var model: String
    public var input: EmbeddingInput
    /// What the client wants back; nil is OpenAI's default, `float`.
    public var encodingFormat: EmbeddingEncoding?
    /// Output vector length, for models that can shorten their vectors.
    public var dimensions: Int?
    public var user: String?
    /// Every other top-level field, in the client's order.
    public var extra: JSONObject = JSONObject()

    public init(model: String, input: EmbeddingInput) {
        self.model = model
        self.input = input
    }
}

/// OpenAI's four input shapes. The shape is kept, not just the items, so an OpenAI-format
/// upstream receives exactly what the client sent (a bare string stays a bare string).
public enum EmbeddingInput: Sendable, Equatable {
    case text(String)
    case texts([String])
    /// One input given as token ids.
    case tokens([Int])
    /// Several inputs, each given as token ids.
    case tokenLists([[Int]])

    /// How many vectors the answer holds.
    public var count: Int {
        switch self {
        case .text, .tokens: 1
        case .texts(let texts): texts.count
        case .tokenLists(let lists): lists.count
        }
    }

    /// The inputs as texts, or nil for token ids (which only a provider sharing the model's
    /// tokenizer, i.e. an OpenAI-format one, can read).
    public var texts: [String]? {
        switch self {
        case .text(let text): [text]
        case .texts(let texts): texts
        case .tokens, .tokenLists: nil
        }
    }

    /// A tokenizer-free estimate of the input tokens, for providers that report no usage and for
    /// cost-aware routing: one token per 4 UTF-8 bytes of text (the rule `TokenEstimator` uses
    /// for chat), at least one per non-empty text; token ids count as themselves.
    public var estimatedTokens: Int {
        func estimate(_ text: String) -> Int {
            let bytes = text.utf8.count
            return bytes == 0 ? 0 : (bytes + 3) / 4
        }
        switch self {
        case .text(let text): return estimate(text)
        case .texts(let texts): return texts.reduce(0) { $0 + estimate($1) }
        case .tokens(let tokens): return tokens.count
        case .tokenLists(let lists): return lists.reduce(0) { $0 + $1.count }
        }
    }
}

/// OpenAI's `encoding_format`.
public enum EmbeddingEncoding: String, Sendable, Equatable {
    case float
    /// The vector's little-endian IEEE-754 float32 bytes, base64-encoded. The official OpenAI
    /// SDKs ask for this by default and decode it themselves.
    case base64
}

/// One vector as an upstream sent it: numbers, or OpenAI's base64 form (passed through untouched
/// when the client asked for base64 too).
public enum EmbeddingVector: Sendable, Equatable {
    case floats([Double])
    case base64(String)
}

/// One vector of the answer, at its input's position.
public struct Embedding: Sendable, Equatable {
    public var index: Int
    public var vector: EmbeddingVector

    public init(index: Int, vector: EmbeddingVector) {
        self.index = index
        self.vector = vector
    }
}

public struct EmbeddingUsage: Sendable, Equatable {
    public var promptTokens: Int
    public var totalTokens: Int
    /// The provider reported no usage (Gemini never does for embeddings), so the counts are
    /// `EmbeddingInput.estimatedTokens`. Kept so metering can tell counted from estimated.
    public var isEstimated: Bool

    public init(promptTokens: Int, totalTokens: Int, isEstimated: Bool = false) {
        self.promptTokens = promptTokens
        self.totalTokens = totalTokens
        self.isEstimated = isEstimated
    }
}

public struct EmbeddingResponse: Sendable, Equatable {
    /// The model as the upstream names it.
    public var model: String
    /// In input order.
    public var data: [Embedding]
    public var usage: EmbeddingUsage

    public init(model: String, data: [Embedding], usage: EmbeddingUsage) {
        self.model = model
        self.data = data
        self.usage = usage
    }
}
