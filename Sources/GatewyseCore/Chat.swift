/// The unified chat model: what every inbound API is normalized to and every adapter translates
/// from. Field meanings follow OpenAI Chat Completions, the canonical client format; `extra` keeps
/// fields the gateway does not model so OpenAI-compatible upstreams still receive them.
public struct ChatRequest: Sendable, Equatable {
    public var model: String
    public var messages: [ChatMessage]
    public var stream: Bool = false
    /// `stream_options.include_usage`: the client wants a final usage chunk.
    public var includeStreamUsage: Bool = false
    public var temperature: Double?
    public var topP: Double?
    /// Output token cap; `maxTokensField` remembers which name the client used.
    public var maxTokens: Int?
    public var maxTokensField: MaxTokensField = .maxTokens
    public var n: Int?
    public var stop: [String]?
    public var seed: Int?
    public var tools: [ToolDefinition]?
    public var toolChoice: ToolChoice?
    public var parallelToolCalls: Bool?
    public var responseFormat: ResponseFormat?
    public var logprobs: Bool?
    public var topLogprobs: Int?
    public var user: String?
    public var reasoningEffort: String?
    /// Every other top-level field, in the client's order (`presence_penalty`, `logit_bias`, …).
    public var extra: JSONObject = JSONObject()
    /// The OpenAI-format body this request was decoded from, when it can be forwarded as it is
    /// (see `ClientBody`). Whatever changes the request after decoding must set this to nil.
    public var clientBody: ClientBody?

    public init(model: String, messages: [ChatMessage]) {
        self.model = model
        self.messages = messages
    }

    public enum MaxTokensField: String, Sendable { case maxTokens = "max_tokens", maxCompletionTokens = "max_completion_tokens" }
}

/// A client's OpenAI-format request body, kept so that an OpenAI-format upstream can be sent the
/// bytes the client sent with only `model` replaced, instead of a body encoded again from the
/// unified request (a kilobyte-sized body cost as much to encode as the rest of the gateway's
/// own work on it). Attached only to bodies whose decoding changed nothing
/// (`OpenAIChatWire.isForwardable`).
public struct ClientBody: Sendable, Equatable {
    public var bytes: [UInt8]
    /// Where the top-level `model` value (a JSON string) lies in `bytes`.
    public var modelRange: Range<Int>
    /// Whether the body has a top-level `stream_options` member.
    public var hasStreamOptions: Bool

    public init(bytes: [UInt8], modelRange: Range<Int>, hasStreamOptions: Bool) {
        self.bytes = bytes
        self.modelRange = modelRange
        self.hasStreamOptions = hasStreamOptions
    }
}

public enum ChatRole: String, Sendable, Equatable, CaseIterable {
    case system, developer, user, assistant, tool
}

public struct ChatMessage: Sendable, Equatable {
    public var role: ChatRole
    public var content: MessageContent?
    public var name: String?
    public var toolCalls: [ToolCall]?
    public var toolCallID: String?
    /// Chain-of-thought text returned by reasoning models (DeepSeek's `reasoning_content`).
    public var reasoningContent: String?
    public var refusal: String?
    public var extra: JSONObject = JSONObject()

    public init(role: ChatRole, content: MessageContent?, name: String? = nil, toolCalls: [ToolCall]? = nil, toolCallID: String? = nil) {
        self.role = role
        self.content = content
        self.name = name
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
    }

    public static func user(_ text: String) -> ChatMessage { ChatMessage(role: .user, content: .text(text)) }
    public static func system(_ text: String) -> ChatMessage { ChatMessage(role: .system, content: .text(text)) }
    public static func assistant(_ text: String) -> ChatMessage { ChatMessage(role: .assistant, content: .text(text)) }
}

public enum MessageContent: Sendable, Equatable {
    case text(String)
    case parts([ContentPart])

    /// The concatenated text of the content, images and other media left out.
    public var plainText: String {
        switch self {
        case .text(let s): s
        case .parts(let parts): parts.compactMap { if case .text(let t) = $0 { t } else { nil } }.joined()
        }
    }

    public var hasImages: Bool {
        guard case .parts(let parts) = self else { return false }
        return parts.contains { if case .imageURL = $0 { true } else { false } }
    }
}

public enum ContentPart: Sendable, Equatable {
    case text(String)
    /// `url` is an https URL or a `data:<mime>;base64,…` URI.
    case imageURL(url: String, detail: String?)
    case inputAudio(data: String, format: String)
    /// Any other part type, kept verbatim for upstreams that understand it (`file`, …).
    case other(JSONObject)
}

public struct ToolDefinition: Sendable, Equatable {
    public var name: String
    public var description: String?
    /// JSON Schema of the arguments.
    public var parameters: JSONValue?
    public var strict: Bool?

    public init(name: String, description: String? = nil, parameters: JSONValue? = nil, strict: Bool? = nil) {
        self.name = name
        self.description = description
        self.parameters = parameters
        self.strict = strict
    }
}

public enum ToolChoice: Sendable, Equatable {
    case none, auto, required
    case function(name: String)
}

public enum ResponseFormat: Sendable, Equatable {
    case text
    case jsonObject
    case jsonSchema(name: String, schema: JSONValue?, strict: Bool?, description: String?)
}

public struct ToolCall: Sendable, Equatable {
    public var id: String
    public var name: String
    /// The arguments as a JSON string, exactly as the model produced them.
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// Why generation stopped, in OpenAI's vocabulary; unknown provider values are kept.
public struct FinishReason: RawRepresentable, Sendable, Equatable, Hashable {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let stop = FinishReason(rawValue: "stop")
    public static let length = FinishReason(rawValue: "length")
    public static let toolCalls = FinishReason(rawValue: "tool_calls")
    public static let contentFilter = FinishReason(rawValue: "content_filter")
}

/// Token accounting in OpenAI's semantics, whatever the upstream's own: `promptTokens` is every
/// input token — uncached, read from the provider's prompt cache (`cachedPromptTokens`) and
/// written to it (`cacheWriteTokens`) — and `completionTokens` is every output token, reasoning
/// (`reasoningTokens`) included. Adapters whose provider counts otherwise (Anthropic and Bedrock
/// leave cache reads and writes out of their input count, Gemini leaves thoughts out of its
/// candidates count) add them in, so pricing and every client wire read one convention.
public struct Usage: Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int
    /// Part of `promptTokens` read from the provider's prompt cache.
    public var cachedPromptTokens: Int?
    /// Part of `promptTokens` written to the provider's prompt cache (Anthropic's
    /// `cache_creation_input_tokens`, Bedrock's `cacheWriteInputTokens`), which such providers
    /// charge above the input price. OpenAI-format upstreams report none.
    public var cacheWriteTokens: Int?
    /// Part of `completionTokens` spent reasoning.
    public var reasoningTokens: Int?
    /// The provider's own detail objects, forwarded untouched.
    public var promptTokensDetails: JSONObject?
    public var completionTokensDetails: JSONObject?
    public var extra: JSONObject = JSONObject()

    public init(promptTokens: Int, completionTokens: Int, totalTokens: Int? = nil) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        // Saturating: counts come from upstreams, and an overflow would trap.
        self.totalTokens = totalTokens ?? UpstreamNumber.sum(promptTokens, completionTokens)
    }
}

public struct ChatResponse: Sendable, Equatable {
    public var id: String
    public var created: Int
    public var model: String
    public var choices: [ChatChoice]
    public var usage: Usage?
    public var systemFingerprint: String?
    /// Top-level fields the gateway does not model (Perplexity's `citations`, …).
    public var extra: JSONObject = JSONObject()

    public init(id: String, created: Int, model: String, choices: [ChatChoice], usage: Usage?) {
        self.id = id
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
    }
}

public struct ChatChoice: Sendable, Equatable {
    public var index: Int
    public var message: ChatMessage
    public var finishReason: FinishReason?
    public var logprobs: JSONValue?

    public init(index: Int, message: ChatMessage, finishReason: FinishReason?, logprobs: JSONValue? = nil) {
        self.index = index
        self.message = message
        self.finishReason = finishReason
        self.logprobs = logprobs
    }
}

/// One streamed increment, the unit every stream decoder yields.
public struct ChatChunk: Sendable, Equatable {
    public var id: String
    public var created: Int
    public var model: String
    public var choices: [ChunkChoice]
    public var usage: Usage?
    public var systemFingerprint: String?
    public var extra: JSONObject = JSONObject()

    public init(id: String, created: Int, model: String, choices: [ChunkChoice], usage: Usage? = nil) {
        self.id = id
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
    }
}

public struct ChunkChoice: Sendable, Equatable {
    public var index: Int
    public var delta: ChatDelta
    public var finishReason: FinishReason?
    public var logprobs: JSONValue?

    public init(index: Int, delta: ChatDelta, finishReason: FinishReason? = nil, logprobs: JSONValue? = nil) {
        self.index = index
        self.delta = delta
        self.finishReason = finishReason
        self.logprobs = logprobs
    }
}

public struct ChatDelta: Sendable, Equatable {
    public var role: ChatRole?
    public var content: String?
    public var toolCalls: [ToolCallDelta]?
    public var reasoningContent: String?
    public var refusal: String?
    public var extra: JSONObject = JSONObject()

    public init(role: ChatRole? = nil, content: String? = nil, toolCalls: [ToolCallDelta]? = nil) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
    }
}

/// A fragment of a streamed tool call: `id` and `name` arrive once, `arguments` in pieces,
/// all tied together by `index`.
public struct ToolCallDelta: Sendable, Equatable {
    public var index: Int
    public var id: String?
    public var name: String?
    public var arguments: String?

    public init(index: Int, id: String? = nil, name: String? = nil, arguments: String? = nil) {
        self.index = index
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}
