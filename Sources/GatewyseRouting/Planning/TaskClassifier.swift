import GatewyseCore

/// Decides what a chat request is mostly asking for, deterministically and cheaply, so
/// task-optimized and cost-optimized routing can match it to models.
///
/// The rules, checked in this order; the first that matches wins:
///
/// 1. **vision** — any message carries an image part (an image can only be read by a vision
///    model, whatever else is asked).
/// 2. **long context** — the estimated input (`TokenEstimator`) is at least
///    `longContextThreshold` (32,000) tokens: beyond that many models cannot take the request.
/// 3. **tool use** — tools are offered and `tool_choice` is not `none`, or the last message is a
///    tool result (the model must continue a tool loop).
/// 4. **structured output** — `response_format` is `json_object` or `json_schema`.
/// 5. **code** — the last user message contains a code marker: a ``` fence, `#include`,
///    `console.log`, or one of the words `def`, `func`, `function…`, `printf`, `traceback`,
///    `stack trace`, `stacktrace`, `segfault`, `compil…`, `refactor…`, `debug…`, `unit test…`,
///    `regex…`, `python…`, `javascript`, `typescript`, `golang`, `kotlin`, `rust`, `swift`,
///    `java`, `sql`, `html`, `css`, `code`, `coding`, `bug…`, `script`.
/// 6. **reasoning** — `reasoning_effort` is set to anything but `none`/`minimal`, or the last user
///    message contains `prove`, `proof`, `step by step`, `step-by-step`, `solv…`, `calculat…`,
///    `equation…`, `integral…`, `derivative…`, `theorem…`, `probabilit…`, `math…`, `logic…`,
///    `puzzle…`, `riddle…`, `how many`, `deduce`, `think carefully`, or an arithmetic expression
///    (a digit, an operator among `+ * / ^ =`, a digit; spaces allowed between).
/// 7. **short chat** — everything else.
///
/// Words match case-insensitively at a word start; `…` marks a prefix (`debug…` matches
/// `debugging`), otherwise the word must also end there (`rust` does not match `trust`). Only the
/// first `scanLimit` bytes of each text part are read, so a huge paste costs no more than 8 KiB.
public enum TaskClassifier {
    public static let longContextThreshold = 32_000
    public static let scanLimit = 8_192

    public static func classify(_ request: ChatRequest) -> TaskKind {
        classify(request, estimatedInputTokens: TokenEstimator.inputTokens(of: request))
    }

    /// As `classify(_:)`, reusing an input estimate the caller already has.
    public static func classify(_ request: ChatRequest, estimatedInputTokens: Int) -> TaskKind {
        if hasImages(request) { return .vision }
        if estimatedInputTokens >= longContextThreshold { return .longContext }
        if usesTools(request) || request.messages.last?.role == .tool { return .toolUse }
        if wantsJSON(request) { return .structuredOutput }
        let lastUser = request.messages.last(where: { $0.role == .user })?.content
        if let lastUser, anyText(of: lastUser, matches: codeMarkers) { return .code }
        if let effort = request.reasoningEffort, effort != "none", effort != "minimal" { return .reasoning }
        if let lastUser, anyText(of: lastUser, matches: reasoningMarkers) || anyArithmetic(in: lastUser) { return .reasoning }
        return .shortChat
    }

    public static func hasImages(_ request: ChatRequest) -> Bool {
        request.messages.contains { $0.content?.hasImages ?? false }
    }

    /// Tools are offered and may be called.
    public static func usesTools(_ request: ChatRequest) -> Bool {
        guard let tools = request.tools, !tools.isEmpty else { return false }
        return request.toolChoice != ToolChoice.none
    }

    public static func wantsJSON(_ request: ChatRequest) -> Bool {
        switch request.responseFormat {
        case .jsonObject?, .jsonSchema?: true
        case .text?, nil: false
        }
    }

    static let codeMarkers = ASCIIKeywordSet([
        "```", "#include", "console.log", "def", "func", "function…", "printf", "traceback",
        "stack trace", "stacktrace", "segfault", "compil…", "refactor…", "debug…", "unit test…",
        "regex…", "python…", "javascript", "typescript", "golang", "kotlin", "rust", "swift",
        "java", "sql", "html", "css", "code", "coding", "bug…", "script",
    ])

    static let reasoningMarkers = ASCIIKeywordSet([
        "prove", "proof", "step by step", "step-by-step", "solv…", "calculat…", "equation…",
        "integral…", "derivative…", "theorem…", "probabilit…", "math…", "logic…", "puzzle…",
        "riddle…", "how many", "deduce", "think carefully",
    ])

    private static func anyText(of content: MessageContent, matches set: ASCIIKeywordSet) -> Bool {
        switch content {
        case .text(let text): return set.matches(text, limit: scanLimit)
        case .parts(let parts):
            for case .text(let text) in parts where set.matches(text, limit: scanLimit) { return true }
            return false
        }
    }

    private static func anyArithmetic(in content: MessageContent) -> Bool {
        switch content {
        case .text(let text): return ArithmeticScanner.containsExpression(text, limit: scanLimit)
        case .parts(let parts):
            for case .text(let text) in parts where ArithmeticScanner.containsExpression(text, limit: scanLimit) { return true }
            return false
        }
    }
}
