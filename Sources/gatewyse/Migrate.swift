import ArgumentParser
import Foundation
import GatewyseEngine
import GatewyseServer

/// `gatewyse migrate`: applies the database's pending migrations and lists what is applied.
/// The URL is printed with its password replaced.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations and list the applied ones.")

    @OptionGroup var options: ConfigurationOptions

    func run() async throws { try await start() }

    func start() async throws {
        let configuration = try options.loadOrExit()
        let result = try await GatewayServer.migrate(configuration.database, logger: makeLogger())
        print("database: \(configuration.database)")
        for id in result.applied {
            print("\(id)\(result.new.contains(id) ? "\tapplied now" : "")")
        }
        if result.new.isEmpty { print("up to date (\(result.applied.count) migrations)") }
    }
}
