import CYaml

/// How deeply a YAML document nests, measured on libyaml's event stream before Yams builds a
/// tree: Yams composes recursively, so `[[[[…` (or `- - - - …`) a hundred thousand levels deep
/// overflows the stack and kills the process instead of being reported as a problem (found by
/// `tests/fuzz/run.sh config`). libyaml's own parser keeps explicit stacks, so counting its
/// start and end events is safe at any depth. Yams links libyaml (`CYaml`) already.
enum YAMLNesting {
    /// Deeper than any configuration needs (`tenants[].models[].targets[]` is six levels) and
    /// far below what overflows a thread's stack.
    static let maximumDepth = 64

    /// Whether the document nests deeper than `maximumDepth`. A document libyaml cannot parse
    /// is not too deep: Yams reports the syntax error itself.
    static func isTooDeep(_ yaml: String) -> Bool {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return false }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(yaml.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var depth = 0
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return false }
                defer { yaml_event_delete(&event) }
                switch event.type {
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    depth += 1
                    if depth > maximumDepth { return true }
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    depth -= 1
                case YAML_STREAM_END_EVENT:
                    return false
                default:
                    break
                }
            }
        }
    }
}
