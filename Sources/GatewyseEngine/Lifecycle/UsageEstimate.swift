import GatewyseCore
import GatewyseRouting

/// The gateway's own count of a stream's usage, for a stream that ended without the upstream's
/// (the client left before the usage event, or the upstream reports none): the client is billed
/// for what was produced, and the completion event says the counts are estimated.
///
/// The approximation, documented once here: one token per 4 UTF-8 bytes of generated text
/// (content, reasoning, tool-call names and arguments — the rule of thumb for English with BPE
/// tokenizers, `TokenEstimator.bytesPerToken`), rounded up; the prompt as `TokenEstimator`
/// counts it (text at the same rate, framing per message, flat figures for images and tools),
/// unless the upstream already reported its input (Anthropic's `message_start`), which is used
/// as reported, cache reads and writes included.
enum UsageEstimate {
    static func usage(request: ChatRequest, reportedPrompt: Usage?, producedBytes: Int) -> Usage {
        let produced = (max(producedBytes, 0) + TokenEstimator.bytesPerToken - 1) / TokenEstimator.bytesPerToken
        guard let reportedPrompt else {
            return Usage(promptTokens: TokenEstimator.inputTokens(of: request), completionTokens: produced)
        }
        var usage = Usage(promptTokens: reportedPrompt.promptTokens, completionTokens: max(produced, reportedPrompt.completionTokens))
        usage.cachedPromptTokens = reportedPrompt.cachedPromptTokens
        usage.cacheWriteTokens = reportedPrompt.cacheWriteTokens
        return usage
    }
}
