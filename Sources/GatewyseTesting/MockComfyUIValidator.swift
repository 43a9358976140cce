import GatewyseCore

/// ComfyUI's prompt validation (`execution.validate_prompt`) over the few core nodes of a
/// text-to-image workflow, with its error shapes: a node whose `class_type` is missing or
/// unknown is `invalid_prompt`; a prompt without an output node `prompt_no_outputs`; an input
/// that is missing, of the wrong type, out of range, not in its list, or a link to a node that
/// does not exist fails its node (`node_errors`), and then the prompt is
/// `prompt_outputs_failed_validation`. Stricter than ComfyUI in one way, on purpose: an INT or
/// FLOAT input given as a string is refused (ComfyUI would cast `"20"`), so a gateway that
/// substitutes a number as text is caught.
enum MockComfyUIValidator {
    enum Input {
        case int(ClosedRange<Int64>)
        case uint64 // a seed: 0 … 2^64 − 1
        case float(ClosedRange<Double>)
        case string
        case choice([String])
        case link(String) // the output type it needs
    }

    struct Node {
        var inputs: [String: Input]
        var outputs: [String]
        var isOutput = false
    }

    /// Checkpoints the mock "has" in `models/checkpoints`.
    static let checkpoints = ["sd_xl_base_1.0.safetensors", "v1-5-pruned-emaonly.safetensors"]

    static let nodes: [String: Node] = [
        "CheckpointLoaderSimple": Node(inputs: ["ckpt_name": .choice(checkpoints)], outputs: ["MODEL", "CLIP", "VAE"]),
        "CLIPTextEncode": Node(inputs: ["text": .string, "clip": .link("CLIP")], outputs: ["CONDITIONING"]),
        "EmptyLatentImage": Node(inputs: ["width": .int(16...16_384), "height": .int(16...16_384), "batch_size": .int(1...4_096)],
                                 outputs: ["LATENT"]),
        "KSampler": Node(inputs: [
            "model": .link("MODEL"), "seed": .uint64, "steps": .int(1...10_000), "cfg": .float(0...100),
            "sampler_name": .choice(["euler", "euler_ancestral", "dpmpp_2m", "dpmpp_2m_sde", "ddim"]),
            "scheduler": .choice(["normal", "karras", "exponential", "simple", "sgm_uniform"]),
            "positive": .link("CONDITIONING"), "negative": .link("CONDITIONING"), "latent_image": .link("LATENT"), "denoise": .float(0...1),
        ], outputs: ["LATENT"]),
        "VAEDecode": Node(inputs: ["samples": .link("LATENT"), "vae": .link("VAE")], outputs: ["IMAGE"]),
        "SaveImage": Node(inputs: ["images": .link("IMAGE"), "filename_prefix": .string], outputs: [], isOutput: true),
        "PreviewImage": Node(inputs: ["images": .link("IMAGE")], outputs: [], isOutput: true),
    ]

    static func error(_ type: String, _ message: String, _ details: String, _ extra: JSONObject = JSONObject()) -> JSONValue {
        ["type": .string(type), "message": .string(message), "details": .string(details), "extra_info": .object(extra)]
    }

    /// Nil when the prompt may run; otherwise ComfyUI's 400 body.
    static func validate(_ prompt: JSONObject) -> JSONValue? {
        for (id, node) in prompt {
            guard let classType = node["class_type"]?.stringValue else {
                return ["error": error("invalid_prompt", "Cannot execute because a node is missing the class_type property.", "Node ID '#\(id)'"),
                        "node_errors": .object(JSONObject())]
            }
            guard nodes[classType] != nil else {
                return ["error": error("invalid_prompt", "Cannot execute because node \(classType) does not exist.", "Node ID '#\(id)'"),
                        "node_errors": .object(JSONObject())]
            }
        }
        let outputs = prompt.filter { nodes[$0.value["class_type"]?.stringValue ?? ""]?.isOutput == true }
        guard !outputs.isEmpty else {
            return ["error": error("prompt_no_outputs", "Prompt has no outputs", ""), "node_errors": .object(JSONObject())]
        }
        var nodeErrors = JSONObject()
        for (id, node) in prompt {
            let classType = node["class_type"]?.stringValue ?? ""
            let errors = inputErrors(node["inputs"]?.objectValue ?? JSONObject(), of: nodes[classType]!, prompt: prompt)
            if !errors.isEmpty {
                nodeErrors.appendUnique(id, ["errors": .array(errors), "dependent_outputs": .array(outputs.map { JSONValue.string($0.key) }),
                                             "class_type": .string(classType)])
            }
        }
        guard nodeErrors.isEmpty else {
            let details = nodeErrors.entries.map { "Node \($0.key)" }.joined(separator: ", ")
            return ["error": error("prompt_outputs_failed_validation", "Prompt outputs failed validation", details), "node_errors": .object(nodeErrors)]
        }
        return nil
    }

    static func inputErrors(_ inputs: JSONObject, of node: Node, prompt: JSONObject) -> [JSONValue] {
        var errors: [JSONValue] = []
        for (name, rule) in node.inputs.sorted(by: { $0.key < $1.key }) {
            let info: JSONObject = JSONObject([("input_name", .string(name))])
            guard let value = inputs[name] else {
                errors.append(error("required_input_missing", "Required input is missing", name, info))
                continue
            }
            switch rule {
            case .link(let type):
                guard let link = value.arrayValue, link.count == 2, let source = link[0].stringValue, let slot = link[1].intValue else {
                    errors.append(error("bad_linked_input", "Bad linked input, must be a length-2 list of [node_id, slot_index]", name, info))
                    continue
                }
                let sourceType = prompt[source]?["class_type"]?.stringValue.flatMap { nodes[$0] }
                guard let sourceType, sourceType.outputs.indices.contains(slot), sourceType.outputs[slot] == type else {
                    errors.append(error("return_type_mismatch", "Return type mismatch between linked nodes", "\(name), received_type(\(source):\(slot)) mismatch input_type(\(type))", info))
                    continue
                }
            case .string:
                guard value.stringValue != nil else { errors.append(error("invalid_input_type", "Failed to convert an input value to a STRING value", "\(name), \(JSONWriter.string(value))", info)); continue }
            case .choice(let list):
                guard let text = value.stringValue, list.contains(text) else {
                    errors.append(error("value_not_in_list", "Value not in list", "\(name): '\(value.stringValue ?? JSONWriter.string(value))' not in \(list)", info))
                    continue
                }
            case .int(let range):
                guard case .number(let lexeme) = value, let number = Int64(lexeme) else {
                    errors.append(error("invalid_input_type", "Failed to convert an input value to a INT value", "\(name), \(JSONWriter.string(value))", info))
                    continue
                }
                if number < range.lowerBound { errors.append(error("value_smaller_than_min", "Value \(number) smaller than min of \(range.lowerBound)", name, info)) }
                if number > range.upperBound { errors.append(error("value_bigger_than_max", "Value \(number) bigger than max of \(range.upperBound)", name, info)) }
            case .uint64:
                guard case .number(let lexeme) = value, UInt64(lexeme) != nil else {
                    errors.append(error("invalid_input_type", "Failed to convert an input value to a INT value", "\(name), \(JSONWriter.string(value))", info))
                    continue
                }
            case .float(let range):
                guard case .number(let lexeme) = value, let number = Double(lexeme) else {
                    errors.append(error("invalid_input_type", "Failed to convert an input value to a FLOAT value", "\(name), \(JSONWriter.string(value))", info))
                    continue
                }
                if !range.contains(number) { errors.append(error("value_bigger_than_max", "Value \(number) out of range \(range)", name, info)) }
            }
        }
        return errors
    }
}
