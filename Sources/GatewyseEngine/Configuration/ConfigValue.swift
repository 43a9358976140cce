import Yams

/// A configuration document after YAML parsing and `${VAR}` expansion: scalars stay text until
/// the validator reads them as the type each key needs, so a wrong type is one more reported
/// problem rather than an abort.
public indirect enum ConfigValue: Sendable, Equatable {
    case null
    case scalar(String)
    case sequence([ConfigValue])
    case mapping([(String, ConfigValue)])

    public static func == (lhs: ConfigValue, rhs: ConfigValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.scalar(let a), .scalar(let b)): a == b
        case (.sequence(let a), .sequence(let b)): a == b
        case (.mapping(let a), .mapping(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    public subscript(key: String) -> ConfigValue? {
        guard case .mapping(let pairs) = self else { return nil }
        return pairs.first { $0.0 == key }?.1
    }
}

/// YAML text → `ConfigValue`, expanding `${VAR}` and `${VAR:-default}` from the environment.
public enum ConfigurationLoader {
    /// The most nodes a document may expand to. Aliases let a few lines stand for an
    /// exponential tree (`a: &a [x, x]`, `b: &b [*a, *a]`, … — the "billion laughs"), which the
    /// conversion below would walk in full; a configuration has a few hundred nodes.
    static let maximumNodes = 100_000

    public static func parse(yaml: String, environment: [String: String], problems: inout [String]) -> ConfigValue {
        if YAMLNesting.isTooDeep(yaml) {
            problems.append("the file nests deeper than \(YAMLNesting.maximumDepth) levels")
            return .null
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch {
            problems.append("the file is not valid YAML: \(error)")
            return .null
        }
        guard let node else { return .null }
        var budget = maximumNodes
        let value = convert(node, path: "", environment: environment, problems: &problems, budget: &budget)
        if budget < 0 { problems.append("the file expands to more than \(maximumNodes) values (through aliases?)") }
        return value
    }

    /// `budget` counts down the nodes converted; once spent, the rest of the tree reads as null.
    static func convert(_ node: Node, path: String, environment: [String: String], problems: inout [String], budget: inout Int) -> ConfigValue {
        budget -= 1
        guard budget >= 0 else { return .null }
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain, ["", "~", "null", "Null", "NULL"].contains(scalar.string) { return .null }
            return .scalar(expand(scalar.string, path: path, environment: environment, problems: &problems))
        case .sequence(let sequence):
            var items: [ConfigValue] = []
            for (i, item) in sequence.enumerated() {
                items.append(convert(item, path: "\(path)[\(i)]", environment: environment, problems: &problems, budget: &budget))
            }
            return .sequence(items)
        case .mapping(let mapping):
            var pairs: [(String, ConfigValue)] = []
            for (key, value) in mapping {
                let name = key.string ?? "?"
                let childPath = path.isEmpty ? name : "\(path).\(name)"
                pairs.append((name, convert(value, path: childPath, environment: environment, problems: &problems, budget: &budget)))
            }
            return .mapping(pairs)
        }
    }

    /// Expands `${NAME}` and `${NAME:-fallback}`; `$$` stays a literal `$`.
    public static func expand(_ text: String, path: String, environment: [String: String], problems: inout [String]) -> String {
        guard text.contains("$") else { return text }
        var result = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            if character == "$", next < text.endIndex, text[next] == "$" {
                result.append("$")
                index = text.index(after: next)
            } else if character == "$", next < text.endIndex, text[next] == "{", let close = text[next...].firstIndex(of: "}") {
                let inner = text[text.index(after: next)..<close]
                let name: Substring
                let fallback: Substring?
                if let separator = inner.firstRange(of: ":-") {
                    name = inner[..<separator.lowerBound]
                    fallback = inner[separator.upperBound...]
                } else {
                    name = inner
                    fallback = nil
                }
                if let value = environment[String(name)], !value.isEmpty {
                    result += value
                } else if let fallback {
                    result += fallback
                } else {
                    problems.append("\(path): environment variable \(name) is not set")
                }
                index = text.index(after: close)
            } else {
                result.append(character)
                index = next
            }
        }
        return result
    }
}
