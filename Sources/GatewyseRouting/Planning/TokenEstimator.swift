import GatewyseCore

/// A cheap, tokenizer-free estimate of a request's input tokens: good enough to rank prices and
/// detect long inputs; billing uses the upstream's `Usage`, and this only when a stream ended
/// without one (`UsageEstimate`, flagged as estimated).
///
/// Rules: text costs one token per 4 UTF-8 bytes (the usual rule of thumb for English with BPE
/// tokenizers); each message adds 4 tokens of framing; each image costs 765 tokens (OpenAI's count
/// for a 1024×1024 high-detail image, a middle-of-the-road figure), and other parts such as files
/// the same flat figure; each tool costs 16 tokens plus its name and description. Tool parameter
/// schemas are not serialized (that would allocate); the flat 16 covers small schemas.
public enum TokenEstimator {
    public static let bytesPerToken = 4
    public static let tokensPerMessage = 4
    public static let tokensPerImage = 765
    public static let tokensPerTool = 16

    public static func inputTokens(of request: ChatRequest) -> Int {
        var bytes = 0
        var tokens = 0
        for message in request.messages {
            tokens += tokensPerMessage
            switch message.content {
            case .text(let text)?:
                bytes += text.utf8.count
            case .parts(let parts)?:
                for part in parts {
                    switch part {
                    case .text(let text): bytes += text.utf8.count
                    case .imageURL: tokens += tokensPerImage
                    case .inputAudio(let data, _): bytes += data.utf8.count / 8 // base64 audio: rough
                    case .other: tokens += tokensPerImage
                    }
                }
            case nil:
                break
            }
            if let calls = message.toolCalls {
                for call in calls { bytes += call.name.utf8.count + call.arguments.utf8.count }
            }
        }
        if let tools = request.tools {
            for tool in tools {
                tokens += tokensPerTool
                bytes += tool.name.utf8.count + (tool.description?.utf8.count ?? 0)
            }
        }
        return tokens + (bytes + bytesPerToken - 1) / bytesPerToken
    }
}
