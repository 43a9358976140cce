import GatewyseEngine

/// The configuration file: YAML parsing, `${VAR}` expansion and validation, which must report
/// problems, never trap, whatever the file says.
enum ConfigurationFuzzing {
    static let environment = ["OPENAI_API_KEY": "sk-fuzz", "EMPTY": ""]

    static func run(_ input: UnsafeBufferPointer<UInt8>) {
        _ = try? ConfigurationValidator.load(yaml: String(decoding: input, as: UTF8.self), environment: environment)
    }
}
