import ArgumentParser
import Foundation
import GatewyseCore
import GatewyseEngine
import GatewyseServer
import GatewyseStorage
import Logging


struct GatewyseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatewyse",
        abstract: "An OpenAI- and Anthropic-compatible AI gateway.",
        subcommands: [Serve.self, Keys.self, Migrate.self, Admin.self, Audit.self],
        defaultSubcommand: Serve.self)
}

/// Options shared by every command that needs the configuration.
struct ConfigurationOptions: ParsableArguments {
    @Option(name: .long, help: "YAML configuration file. Without one, providers come from their usual environment variables.")
    var config: String?

    @Option(name: .long, help: "Database URL (sqlite:PATH, memory: or postgres://user:password@host:port/db). Overrides the file's `database`.")
    var database: String?

    /// `load()`, exiting with every problem listed when the configuration is invalid (what each
    /// subcommand does first).
    func loadOrExit() throws -> GatewayConfiguration {
        do { return try load() } catch let error as ConfigurationError { exitWithConfigurationError(error) }
    }

    func load() throws -> GatewayConfiguration {
        let environment = ProcessInfo.processInfo.environment
        var configuration: GatewayConfiguration
        if let config {
            guard let text = try? String(contentsOfFile: config, encoding: .utf8) else {
                throw ValidationError("cannot read configuration file '\(config)'")
            }
            // Files the configuration names (ComfyUI workflows) are found beside it when relative.
            let directory = URL(fileURLWithPath: config).deletingLastPathComponent().path
            configuration = try ConfigurationValidator.load(yaml: text, environment: environment, readFile: { path in
                try? String(contentsOfFile: path.hasPrefix("/") ? path : directory + "/" + path, encoding: .utf8)
            })
        } else {
            configuration = try EnvironmentConfiguration.make(environment: environment)
        }
        if let database {
            guard let location = DatabaseLocation.parse(database) else {
                throw ValidationError("--database: '\(PostgresURL.redacted(database))' is not a database URL (expected sqlite:PATH, memory: or postgres://…)")
            }
            configuration.database = location
        }
        return configuration
    }
}

func makeLogger() -> Logger {
    var logger = Logger(label: "gatewyse", factory: { LineLogHandler(label: $0) })
    logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
    return logger
}

/// Prints a configuration error (every problem, with its path) and exits non-zero.
func exitWithConfigurationError(_ error: ConfigurationError) -> Never {
    FileHandle.standardError.write(Data("gatewyse: \(error.description)\n".utf8))
    exit(2)
}

/// The server's logging (`logging:`): every swift-log logger of the process writes through
/// `GatewayLogHandler` to standard output's `LogSink` (its own thread), JSON unless standard
/// output is a terminal or `logging.format` says otherwise. Returns the gateway's logger and
/// the per-request log observer when `logging.requests` is on.
func makeServeLogging(_ settings: LoggingSettings) -> (logger: Logger, requestLog: RequestLogObserver?) {
    let level = settings.level.flatMap(Logger.Level.init(rawValue:))
        ?? ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
    let format: GatewayLogHandler.Format = switch settings.format {
    case .json: .json
    case .text: .text
    case .auto: isatty(1) == 1 ? .text : .json
    }
    let sink = LogSink.standardOutput
    LoggingSystem.bootstrap { GatewayLogHandler(label: $0, format: format, level: level, sink: sink) }
    let logger = Logger(label: "gatewyse")
    return (logger, settings.requests ? RequestLogObserver(format: format, level: level, sink: sink) : nil)
}
