import GatewyseCore
import Testing
@testable import GatewyseRouting

@Suite struct TaskClassifierTests {
    private func chat(_ text: String) -> ChatRequest {
        ChatRequest(model: "m", messages: [.system("You are helpful."), .user(text)])
    }

    @Test(arguments: [
        ("Hi! How are you today?", TaskKind.shortChat),
        ("Why does this Python function return None?", .code),
        ("```\nlet x = 1\n```", .code),
        ("My build fails with a segfault", .code),
        ("Refactoring tips for a big class?", .code),
        ("Prove that the square root of 2 is irrational.", .reasoning),
        ("What is 17 * 23?", .reasoning),
        ("Solve for x: 3x + 5 = 20", .reasoning),
        ("Think carefully about this riddle", .reasoning),
        // Word boundaries: "trust" is not "rust", "description" is not "script", "encode" is not "code".
        ("I trust you with the description; please encode it nicely", .shortChat),
        // Dates are not arithmetic.
        ("See you on 2026-11-24", .shortChat),
    ])
    func classifiesTheLastUserMessage(text: String, expected: TaskKind) {
        #expect(TaskClassifier.classify(chat(text)) == expected)
    }

    @Test func imagesMeanVisionEvenWithTools() {
        var request = ChatRequest(model: "m", messages: [
            ChatMessage(role: .user, content: .parts([.text("What is in this code screenshot?"), .imageURL(url: "https://x/y.png", detail: nil)])),
        ])
        request.tools = [ToolDefinition(name: "lookup")]
        #expect(TaskClassifier.classify(request) == .vision)
        #expect(RequestProfile(request: request).needsVision)
    }

    @Test func longInputsAreLongContext() {
        let request = chat(String(repeating: "lorem ipsum ", count: 12_000)) // ~144 KB ≈ 36K tokens
        #expect(TaskClassifier.classify(request) == .longContext)
    }

    @Test func offeredToolsMeanToolUseUnlessChoiceIsNone() {
        var request = chat("Write a Python script")
        request.tools = [ToolDefinition(name: "run")]
        #expect(TaskClassifier.classify(request) == .toolUse)
        request.toolChoice = ToolChoice.none
        #expect(TaskClassifier.classify(request) == .code)
    }

    @Test func aToolResultContinuesToolUse() {
        let request = ChatRequest(model: "m", messages: [
            .user("weather?"),
            ChatMessage(role: .assistant, content: nil, toolCalls: [ToolCall(id: "1", name: "weather", arguments: "{}")]),
            ChatMessage(role: .tool, content: .text("sunny"), toolCallID: "1"),
        ])
        #expect(TaskClassifier.classify(request) == .toolUse)
    }

    @Test func jsonFormatsAreStructuredOutput() {
        var request = chat("List three colors")
        request.responseFormat = .jsonObject
        #expect(TaskClassifier.classify(request) == .structuredOutput)
        request.responseFormat = .jsonSchema(name: "colors", schema: nil, strict: true, description: nil)
        #expect(TaskClassifier.classify(request) == .structuredOutput)
        request.responseFormat = .text
        #expect(TaskClassifier.classify(request) == .shortChat)
    }

    @Test func reasoningEffortMeansReasoning() {
        var request = chat("Plan my week")
        request.reasoningEffort = "high"
        #expect(TaskClassifier.classify(request) == .reasoning)
        request.reasoningEffort = "none"
        #expect(TaskClassifier.classify(request) == .shortChat)
    }

    @Test func profileEstimatesTokensAndTakesMaxTokensAsOutput() {
        var request = ChatRequest(model: "m", messages: [.user(String(repeating: "a", count: 400))])
        request.maxTokens = 64
        request.stream = true
        let profile = RequestProfile(request: request)
        #expect(profile.estimatedInputTokens == 4 + 100)
        #expect(profile.estimatedOutputTokens == 64)
        #expect(profile.isStream)
        #expect(profile.task == .shortChat)
    }
}
