import GatewyseCore
import GatewyseProviders

/// A chat answer for an OpenAI-format client: the upstream's own bytes when they need no
/// rewriting (an OpenAI-format provider), or the translated unified response.
public enum OpenAIChatAnswer: Sendable {
    case verbatim(VerbatimChatResponse)
    case translated(ChatResponse)

    public var usage: Usage? {
        switch self {
        case .verbatim(let answer): answer.usage
        case .translated(let response): response.usage
        }
    }

    /// The first choice's finish reason; nil for a verbatim answer, whose body is not parsed.
    public var finishReason: FinishReason? {
        if case .translated(let response) = self { return response.choices.first?.finishReason }
        return nil
    }
}
