/// What a request asks a provider to do; also the unit of API-key scopes (product-spec §2.2).
public enum Capability: String, Sendable, Hashable, CaseIterable, Codable {
    case chat
    case completions
    case embeddings
    case images
    case audio
    case tts
    case rerank
    case videoGeneration = "video-generation"
    case moderation
}
