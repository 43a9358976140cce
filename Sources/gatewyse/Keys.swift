import ArgumentParser
import Foundation
import GatewyseCore
import GatewyseEngine
import GatewyseServer
import GatewyseStorage

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage gateway API keys.", subcommands: [Create.self, List.self, RotateMaster.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API key and print it (it is shown only once).")

        @OptionGroup var options: ConfigurationOptions

        @Option(help: "Tenant the key belongs to (created if it does not exist).")
        var tenant: String

        @Option(help: "A name for the key, e.g. the machine or app using it.")
        var name: String

        func run() async throws { try await start() }

        func start() async throws {
            let configuration = try options.loadOrExit()
            guard !name.isEmpty, name.count <= 200 else { throw ValidationError("--name must be 1-200 characters") }
            let store = try await GatewayServer.makeStore(configuration.database)
            do {
                let (record, key) = try await GatewayRuntime.createKey(store: store, tenantID: tenant, name: name)
                print(key)
                FileHandle.standardError.write(Data("created key \(record.id) (\(record.prefix)…) for tenant '\(tenant)'. Store it now: it cannot be shown again.\nA running gateway picks it up on restart.\n".utf8))
            } catch let error as ConfigurationError {
                exitWithConfigurationError(error)
            }
            await GatewayServer.closeStore(store)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List API keys (prefixes only).")

        @OptionGroup var options: ConfigurationOptions

        @Option(help: "Only this tenant's keys.")
        var tenant: String?

        func run() async throws { try await start() }

        func start() async throws {
            let configuration = try options.loadOrExit()
            let store = try await GatewayServer.makeStore(configuration.database)
            let keys = if let tenant { try await store.keys(tenantID: tenant) } else { try await store.allKeys() }
            for key in keys {
                let status = key.revokedAt != nil ? "revoked" : "active"
                print("\(key.id)\t\(key.tenantID)\t\(key.name)\t\(key.prefix)…\t\(key.source.rawValue)\t\(status)")
            }
            await GatewayServer.closeStore(store)
        }
    }
}
