import GatewyseCore
import GatewyseProviders

/// Reads a file named by the configuration (a ComfyUI workflow), given the path as written;
/// the command line resolves it against the configuration file's folder. The validator itself
/// does no I/O (it is fuzzed): without a reader, a file path is a problem.
public typealias ConfigurationFileReader = @Sendable (String) -> String?

extension ConfigurationValidator {
    /// `workflows: {<model>: <workflow>}` of a ComfyUI provider (decision 0024): each workflow
    /// in ComfyUI's API format, as JSON text (a YAML block scalar: a value that starts with `{`)
    /// or the path of a file holding it — what ComfyUI's "Export (API)" saves. JSON rather than
    /// YAML mappings because the configuration's scalars carry no type, and a workflow's inputs
    /// must keep theirs (`steps: 20` is a number, `ckpt_name: "1.5"` text). The model names are
    /// what targets and `provider/model` address, and are added to the provider's `models`.
    static func workflows(_ value: ConfigValue?, path: String, type: String, _ r: inout Reader) -> [String: ComfyUIWorkflow] {
        guard type == "comfyui" else {
            if let value, value != .null { r.problems.append("\(path): only for provider type comfyui") }
            return [:]
        }
        guard let mapping = r.mapping(value, path), case .mapping(let pairs) = mapping, !pairs.isEmpty else {
            if !r.hasProblem(under: path) {
                r.problems.append("\(path): required for provider type comfyui (model name → API-format workflow JSON, or a file holding it)")
            }
            return [:]
        }
        var result: [String: ComfyUIWorkflow] = [:]
        for (name, item) in pairs {
            let itemPath = "\(path).\(name)"
            guard isWorkflowName(name) else {
                r.problems.append("\(itemPath): a workflow name is 1-64 letters, digits, '.', '_' or '-'")
                continue
            }
            guard let text = r.string(item, itemPath) else { continue }
            let json: String
            if text.drop(while: \.isWhitespace).hasPrefix("{") {
                json = text
            } else if let read = r.readFile {
                guard let contents = read(text) else {
                    r.problems.append("\(itemPath): cannot read workflow file '\(text)'")
                    continue
                }
                json = contents
            } else {
                r.problems.append("\(itemPath): workflow files are read only from a configuration file (--config); give the JSON inline")
                continue
            }
            switch ComfyUIWorkflow.parse(json) {
            case .success(let workflow): result[name] = workflow
            case .failure(let problem): r.problems.append("\(itemPath): the workflow \(problem.message)")
            }
        }
        return result
    }

    static func isWorkflowName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") }
    }

    /// A target on a ComfyUI provider names one of its workflows.
    static func checkWorkflowTargets(_ configuration: GatewayConfiguration, _ r: inout Reader) {
        let comfy = Dictionary(configuration.providers.filter { $0.entry.type == "comfyui" }.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for (i, alias) in configuration.models.enumerated() {
            for (j, target) in alias.targets.enumerated() {
                guard let provider = comfy[target.provider], provider.workflows[target.model] == nil, !provider.workflows.isEmpty else { continue }
                r.problems.append("models[\(i)].targets[\(j)].model: provider \(provider.id) has no workflow named \"\(target.model)\" (its workflows: \(provider.workflows.keys.sorted().joined(separator: ", ")))")
            }
        }
    }
}
