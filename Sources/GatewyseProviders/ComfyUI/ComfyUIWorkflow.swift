import GatewyseCore

/// A ComfyUI workflow template (decision 0024): a workflow in ComfyUI's API format — what
/// "Export (API)" saves, `{"<node id>": {"class_type": …, "inputs": {…}}, …}` (providers.md §26)
/// — whose node inputs say where a request's values go with placeholders:
///
/// - `{{prompt}}` and `{{negative_prompt}}` are text: they may stand inside a longer string
///   (`"cinematic still, {{prompt}}"`) and are replaced by the text as sent;
/// - `{{seed}}`, `{{width}}`, `{{height}}` and `{{batch_size}}` are integers: the placeholder
///   must be the input's whole value, and is replaced by a JSON number, not a string;
/// - any of them but `prompt` may carry a default after a colon (`{{width:512}}`,
///   `{{negative_prompt:blurry, watermark}}`), used when the request says nothing. Without one:
///   no negative prompt is empty text, the seed is random per request, the size 1024×1024 and
///   the batch one image.
///
/// Only the template is scanned, never what is substituted, so a prompt that contains
/// `{{seed}}` stays literal text. A template is checked once, when it is loaded: a name the
/// gateway does not know, an integer placeholder inside text, or a template without
/// `{{prompt}}` is a configuration error rather than a failed request.
public struct ComfyUIWorkflow: Sendable, Equatable {
    public enum Placeholder: String, CaseIterable, Sendable {
        case prompt
        case negativePrompt = "negative_prompt"
        case seed, width, height
        case batchSize = "batch_size"

        var isText: Bool { self == .prompt || self == .negativePrompt }
    }

    /// The values of one request, already checked by the adapter.
    public struct Values: Sendable, Equatable {
        public var prompt: String
        public var negativePrompt: String?
        public var seed: UInt64?
        public var width: Int?
        public var height: Int?
        public var batchSize: Int?
        /// The seed used when neither the request nor the template gives one.
        public var randomSeed: UInt64

        public init(prompt: String, negativePrompt: String? = nil, seed: UInt64? = nil, width: Int? = nil, height: Int? = nil,
                    batchSize: Int? = nil, randomSeed: UInt64 = 0) {
            self.prompt = prompt
            self.negativePrompt = negativePrompt
            self.seed = seed
            self.width = width
            self.height = height
            self.batchSize = batchSize
            self.randomSeed = randomSeed
        }
    }

    /// The size a template without a `{{width}}`/`{{height}}` default gets.
    public static let defaultSide = 1024
    /// The most bytes of JSON a template may have (an exported SDXL workflow is a few KiB).
    public static let maximumBytes = 1 << 20

    public let nodes: JSONObject
    /// The placeholders the template uses.
    public let placeholders: Set<Placeholder>
    /// The defaults it states, as written after the colon.
    public let defaults: [Placeholder: String]

    /// A template from its JSON text; the error says what is wrong, for the configuration's
    /// problem list or an admin API 400.
    public static func parse(_ text: String) -> Result<ComfyUIWorkflow, ComfyUIWorkflowError> {
        guard text.utf8.count <= maximumBytes else { return .failure(.init("is larger than \(maximumBytes / 1024) KiB")) }
        let json: JSONValue
        do { json = try JSONParser.parse(Array(text.utf8)) } catch { return .failure(.init("is not valid JSON: \(error.description)")) }
        return make(json)
    }

    /// A template from parsed JSON.
    public static func make(_ json: JSONValue) -> Result<ComfyUIWorkflow, ComfyUIWorkflowError> {
        guard let nodes = json.objectValue else { return .failure(.init("must be a JSON object of nodes (ComfyUI's API format)")) }
        if nodes["nodes"]?.arrayValue != nil || nodes["links"] != nil {
            return .failure(.init("is in ComfyUI's UI format (nodes and links): save it with 'Export (API)' instead"))
        }
        guard !nodes.isEmpty else { return .failure(.init("has no nodes")) }
        var found: Set<Placeholder> = []
        var defaults: [Placeholder: String] = [:]
        for (id, node) in nodes.entries {
            guard let classType = node["class_type"]?.stringValue, !classType.isEmpty else {
                return .failure(.init("node \"\(id)\" has no 'class_type'"))
            }
            guard let inputs = node["inputs"]?.objectValue else { return .failure(.init("node \"\(id)\" (\(classType)) has no 'inputs' object")) }
            for (name, value) in inputs.entries {
                let problem = scan(value) { placeholder, fallback, whole throws(ComfyUIWorkflowError) in
                    if !placeholder.isText && !whole {
                        throw ComfyUIWorkflowError("{{\(placeholder.rawValue)}} must be the whole value of an input (it becomes a number)")
                    }
                    if placeholder == .prompt, fallback != nil { throw ComfyUIWorkflowError("{{prompt}} takes no default: every request has a prompt") }
                    if let fallback {
                        if !placeholder.isText, UInt64(fallback) == nil {
                            throw ComfyUIWorkflowError("the default of {{\(placeholder.rawValue)}} must be a whole number, got '\(fallback)'")
                        }
                        if let stated = defaults[placeholder], stated != fallback {
                            throw ComfyUIWorkflowError("{{\(placeholder.rawValue)}} has two defaults ('\(stated)' and '\(fallback)')")
                        }
                        defaults[placeholder] = fallback
                    }
                    found.insert(placeholder)
                }
                if let problem { return .failure(.init("node \"\(id)\" (\(classType)) input '\(name)': \(problem.message)")) }
            }
        }
        guard found.contains(.prompt) else { return .failure(.init("has no {{prompt}} placeholder: the request's prompt would go nowhere")) }
        for side in [Placeholder.width, .height] {
            if let stated = defaults[side], !sideLimits.contains(Int(stated) ?? 0) {
                return .failure(.init("the default of {{\(side.rawValue)}} must be between \(sideLimits.lowerBound) and \(sideLimits.upperBound)"))
            }
        }
        return .success(ComfyUIWorkflow(nodes: nodes, placeholders: found, defaults: defaults))
    }

    /// ComfyUI's own bounds for a latent image's sides (`MAX_RESOLUTION`, EmptyLatentImage's minimum).
    public static let sideLimits = 16...16_384

    /// Calls `visit` for each placeholder in the strings of `value` (an input's value, which may
    /// nest lists and objects for custom nodes), with whether it is the string's whole value;
    /// the first problem `visit` throws is returned.
    static func scan(_ value: JSONValue,
                     _ visit: (Placeholder, String?, Bool) throws(ComfyUIWorkflowError) -> Void) -> ComfyUIWorkflowError? {
        switch value {
        case .string(let text):
            let segments: [Segment]
            switch segmentsOf(text) {
            case .success(let parsed): segments = parsed
            case .failure(let problem): return problem
            }
            let whole = segments.count == 1
            for case .placeholder(let placeholder, let fallback) in segments {
                do { try visit(placeholder, fallback, whole) } catch { return error }
            }
            return nil
        case .array(let items):
            for item in items { if let problem = scan(item, visit) { return problem } }
            return nil
        case .object(let object):
            for (_, item) in object.entries { if let problem = scan(item, visit) { return problem } }
            return nil
        default:
            return nil
        }
    }

    enum Segment: Equatable {
        case literal(String)
        case placeholder(Placeholder, default: String?)
    }

    /// A template string cut into literal text and placeholders. `{{name}}` or
    /// `{{name:default}}` with a lowercase name is a placeholder (an unknown name is a problem,
    /// so a typo is caught when the template loads); any other `{{` is literal text.
    static func segmentsOf(_ text: String) -> Result<[Segment], ComfyUIWorkflowError> {
        var segments: [Segment] = []
        var literal = ""
        var rest = Substring(text)
        while let open = rest.firstRange(of: "{{") {
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.firstRange(of: "}}") else { break }
            let inner = afterOpen[..<close.lowerBound]
            let name = inner.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)[0]
            guard !name.isEmpty, name.allSatisfy({ ($0 >= "a" && $0 <= "z") || $0 == "_" }) else {
                literal += rest[..<open.upperBound]
                rest = afterOpen
                continue
            }
            guard let placeholder = Placeholder(rawValue: String(name)) else {
                let known = Placeholder.allCases.map { "{{\($0.rawValue)}}" }.joined(separator: ", ")
                return .failure(.init("unknown placeholder {{\(name)}} (known: \(known))"))
            }
            literal += rest[..<open.lowerBound]
            if !literal.isEmpty { segments.append(.literal(literal)) }
            literal = ""
            let fallback = inner.count > name.count ? String(inner.dropFirst(name.count + 1)) : nil
            segments.append(.placeholder(placeholder, default: fallback))
            rest = afterOpen[close.upperBound...]
        }
        literal += rest
        if !literal.isEmpty || segments.isEmpty { segments.append(.literal(literal)) }
        return .success(segments)
    }

    // MARK: Rendering

    /// The workflow for one request: every placeholder replaced by its value, as text or as a
    /// JSON integer.
    public func render(_ values: Values) -> JSONValue {
        var rendered = JSONObject()
        for (id, node) in nodes.entries {
            guard var object = node.objectValue, let inputs = object["inputs"]?.objectValue else {
                rendered.appendUnique(id, node)
                continue
            }
            var filled = JSONObject()
            for (name, value) in inputs.entries { filled.appendUnique(name, substitute(value, values)) }
            object["inputs"] = .object(filled)
            rendered.appendUnique(id, .object(object))
        }
        return .object(rendered)
    }

    func substitute(_ value: JSONValue, _ values: Values) -> JSONValue {
        switch value {
        case .string(let text):
            // Checked when the template loaded: the failure branch is never taken.
            guard case .success(let segments) = Self.segmentsOf(text), segments.contains(where: { if case .placeholder = $0 { true } else { false } }) else {
                return value
            }
            if segments.count == 1, case .placeholder(let placeholder, _) = segments[0], !placeholder.isText {
                return .number(String(integer(placeholder, values)))
            }
            var result = ""
            for segment in segments {
                switch segment {
                case .literal(let piece): result += piece
                case .placeholder(let placeholder, _): result += textValue(placeholder, values)
                }
            }
            return .string(result)
        case .array(let items):
            return .array(items.map { substitute($0, values) })
        case .object(let object):
            var copy = JSONObject()
            for (key, item) in object.entries { copy.appendUnique(key, substitute(item, values)) }
            return .object(copy)
        default:
            return value
        }
    }

    func textValue(_ placeholder: Placeholder, _ values: Values) -> String {
        switch placeholder {
        case .prompt: values.prompt
        case .negativePrompt: values.negativePrompt ?? defaults[.negativePrompt] ?? ""
        default: String(integer(placeholder, values))
        }
    }

    func integer(_ placeholder: Placeholder, _ values: Values) -> UInt64 {
        let stated = defaults[placeholder].flatMap { UInt64($0) }
        switch placeholder {
        case .seed: return values.seed ?? stated ?? values.randomSeed
        case .width: return values.width.map(UInt64.init) ?? stated ?? UInt64(Self.defaultSide)
        case .height: return values.height.map(UInt64.init) ?? stated ?? UInt64(Self.defaultSide)
        case .batchSize: return values.batchSize.map(UInt64.init) ?? stated ?? 1
        case .prompt, .negativePrompt: return 0
        }
    }
}

/// Why a workflow template cannot be used.
public struct ComfyUIWorkflowError: Error, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
