@testable import GatewyseEngine
import Testing

/// Configuration files that once killed the process or would take forever (found by
/// `tests/fuzz/run.sh config`): problems to report, like any other.
@Suite("Configuration limits")
struct ConfigurationLimitsTests {
    static func problems(_ yaml: String) -> [String] {
        do {
            _ = try ConfigurationValidator.load(yaml: yaml, environment: [:])
            return []
        } catch {
            return error.problems
        }
    }

    @Test("100,000 levels of nesting are a reported problem, not a stack overflow", arguments: [
        String(repeating: "[", count: 100_000),
        String(repeating: "{a: ", count: 100_000),
        String(repeating: "- ", count: 100_000) + "x",
    ])
    func deepNesting(yaml: String) {
        #expect(Self.problems(yaml) == ["the file nests deeper than \(YAMLNesting.maximumDepth) levels"])
    }

    @Test("nesting up to the limit is read as usual")
    func nestingAtTheLimit() {
        let depth = YAMLNesting.maximumDepth
        let yaml = "routing: " + String(repeating: "[", count: depth - 1) + String(repeating: "]", count: depth - 1)
        #expect(!YAMLNesting.isTooDeep(yaml))
        #expect(YAMLNesting.isTooDeep("routing: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth)))
        #expect(!YAMLNesting.isTooDeep("providers: [unclosed"))
    }

    @Test("aliases that expand to billions of values are cut off with a problem")
    func billionLaughs() {
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1..<10 {
            yaml += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        let problems = Self.problems(yaml)
        #expect(problems.contains("the file expands to more than \(ConfigurationLoader.maximumNodes) values (through aliases?)"))
    }
}
