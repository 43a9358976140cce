import GatewyseCore
import GatewyseEngine
import Testing

@Suite("provider/model addressing cannot escape the upstream URL")
struct UpstreamModelSafetyTests {
    static let configuration = try! ConfigurationValidator.load(yaml: """
        providers:
          - id: gemini
            type: gemini
            api_key: k
          - id: hf
            type: huggingface
            api_key: k
        """, environment: [:])

    @Test("names that could leave their path segment or the request line are a 400 on 'model'", arguments: [
        "gemini/foo bar", "gemini/foo\r\nX-Injected: 1", "gemini/../files", "gemini/a/./b", "gemini/a//b", "gemini/a?alt=json",
        "gemini/a#b", "gemini/a%2F..", "gemini/a\\b", "gemini/é", "gemini/a/", "gemini/a/..", "gemini/./a", "gemini/..", "gemini/" + String(repeating: "a", count: 300),
    ])
    func refused(_ model: String) {
        let resolver = RouteResolver(configuration: Self.configuration)
        do {
            _ = try resolver.resolve(model: model)
            Issue.record("\(model) was accepted")
        } catch {
            #expect(error.status == 400)
            #expect(error.param == "model")
        }
    }

    @Test("real model names stay valid", arguments: [
        "gemini/gemini-2.5-flash", "hf/meta-llama/Llama-3.1-8B-Instruct", "hf/org/model:tag", "gemini/claude@2024", "hf/a+b_c.d", "hf/org/.x", "hf/org/...",
    ])
    func accepted(_ model: String) throws {
        #expect(try RouteResolver(configuration: Self.configuration).resolve(model: model).candidates.count == 1)
    }

    @Test("configured header values and keys with line breaks are refused at load")
    func configLineBreaks() {
        #expect(throws: ConfigurationError.self) {
            try ConfigurationValidator.load(yaml: "providers:\n  - type: openai\n    api_key: \"sk\\r\\nX: y\"\n", environment: [:])
        }
        #expect(throws: ConfigurationError.self) {
            try ConfigurationValidator.load(yaml: "providers:\n  - type: openai\n    api_key: sk\n    headers:\n      X-A: \"a\\nb\"\n", environment: [:])
        }
    }
}
