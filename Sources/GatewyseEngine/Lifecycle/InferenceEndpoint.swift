import GatewyseCore

/// The wire format a client speaks, which decides how its answers and errors are shaped.
public enum ClientFormat: Sendable, Equatable {
    /// OpenAI's API (chat, completions, embeddings, the Cohere/Jina rerank form).
    case openAI
    /// Anthropic's Messages API.
    case anthropic
}

/// Every inference route the gateway serves. The transports map a request line to one of these
/// and hand it to `InferenceEngine`; nothing else about a route is known outside the engine.
public enum InferenceEndpoint: String, Sendable, CaseIterable {
    case chatCompletions = "/v1/chat/completions"
    case messages = "/v1/messages"
    case completions = "/v1/completions"
    case embeddings = "/v1/embeddings"
    case rerank = "/v1/rerank"
    case imageGenerations = "/v1/images/generations"
    case imageEdits = "/v1/images/edits"
    case audioTranscriptions = "/v1/audio/transcriptions"
    case audioTranslations = "/v1/audio/translations"
    case audioSpeech = "/v1/audio/speech"
    case videoGenerations = "/v1/video/generations"

    /// The endpoint a request line names: `POST` on one of the paths (a query string is ignored).
    /// Runs on every request: the path is compared where it lies, never copied into a string.
    public init?(method: String, uri: String) {
        guard method == "POST" else { return nil }
        let path = uri.utf8.firstIndex(of: UInt8(ascii: "?")).map { uri[..<$0] } ?? Substring(uri)
        guard let endpoint = Self.all.first(where: { path == $0.rawValue }) else { return nil }
        self = endpoint
    }

    /// `allCases` made once (the synthesized one builds an array at every call).
    public static let all = allCases

    public var path: String { rawValue }

    /// The capability an API key's scopes and a tenant's switches are checked against.
    public var capability: Capability {
        switch self {
        case .chatCompletions, .messages: .chat
        case .completions: .completions
        case .embeddings: .embeddings
        case .rerank: .rerank
        case .imageGenerations, .imageEdits: .images
        case .audioTranscriptions, .audioTranslations: .audio
        case .audioSpeech: .tts
        case .videoGenerations: .videoGeneration
        }
    }

    public var clientFormat: ClientFormat { self == .messages ? .anthropic : .openAI }

    /// The speech-to-text routes, whose bodies are multipart forms under their own size limit
    /// (`server.max_audio_body_bytes`).
    public var takesAudioUpload: Bool { self == .audioTranscriptions || self == .audioTranslations }

    /// The routes whose body is a multipart form: the transport hands over their `Content-Type`.
    public var takesMultipart: Bool { takesAudioUpload || self == .imageEdits }
}
