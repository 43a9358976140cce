import GatewyseCore
import GatewyseProviders
import GatewyseStorage

/// `settings.workflows` of a ComfyUI provider added through the admin API (decision 0024): model
/// name → the workflow in ComfyUI's API format, as a JSON object in the body. Only inline: a
/// file path would let whoever manages providers make the gateway read its own files. Kept flat
/// among the record's settings as `workflow:<name>` → the workflow's JSON text, checked with
/// the same rules as the configuration file's.
extension AdminAPI {
    static func readWorkflows(_ settings: FieldReader, type: String, into stored: inout [String: String]) throws(GatewayError) {
        guard let value = settings.object["workflows"], !value.isNull else { return }
        guard type == "comfyui" else { throw GatewayError.invalidField("settings.workflows", "'settings.workflows' is only for provider type comfyui.") }
        guard let workflows = value.objectValue else {
            throw GatewayError.invalidField("settings.workflows", "'settings.workflows' must be an object of model name → API-format workflow.")
        }
        for (name, workflow) in workflows {
            let field = "settings.workflows.\(name)"
            guard ConfigurationValidator.isWorkflowName(name) else {
                throw GatewayError.invalidField(field, "A workflow name is 1-64 letters, digits, '.', '_' or '-'.")
            }
            if case .failure(let problem) = ComfyUIWorkflow.make(workflow) {
                throw GatewayError.invalidField(field, "'\(field)': the workflow \(problem.message).")
            }
            stored[ProviderRecord.workflowPrefix + name] = JSONWriter.string(workflow)
        }
    }

    /// A ComfyUI provider runs nothing without a workflow.
    static func requireWorkflows(_ record: ProviderRecord) throws(GatewayError) {
        guard record.type == "comfyui", record.workflows.isEmpty else { return }
        throw GatewayError.invalidField("settings.workflows",
                                        "'settings.workflows' is required for provider type comfyui: model name → workflow in ComfyUI's API format (Export (API)).")
    }

    /// Workflows as the API shows them: name → the workflow object.
    static func render(workflows: [String: ComfyUIWorkflow]) -> JSONValue {
        .object(JSONObject(workflows.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.object($0.value.nodes)) }))
    }
}

extension ProviderRecord {
    /// The settings-key prefix of a workflow (`workflow:sdxl`).
    static let workflowPrefix = "workflow:"

    /// The workflows among the settings; one that no longer parses (checked when written, so
    /// only a hand-edited row) is left out, and its model is then refused as unknown.
    var workflows: [String: ComfyUIWorkflow] { Self.workflows(in: settings) }

    static func workflows(in settings: [String: String]) -> [String: ComfyUIWorkflow] {
        var result: [String: ComfyUIWorkflow] = [:]
        for (key, text) in settings where key.hasPrefix(Self.workflowPrefix) {
            if case .success(let workflow) = ComfyUIWorkflow.parse(text) { result[String(key.dropFirst(Self.workflowPrefix.count))] = workflow }
        }
        return result
    }
}
