import ArgumentParser
import Foundation
import GatewyseCore
import GatewyseEngine
import GatewyseServer
import GatewyseStorage

struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage admin users.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a user who signs in to the admin API (POST /api/auth/login).",
            discussion: "Without --password a strong password is generated and printed once on standard output.")

        @OptionGroup var options: ConfigurationOptions

        @Option(help: "The user's e-mail (sign-in name, unique across tenants).")
        var email: String

        @Option(help: "A role: super-admin, tenant-admin, org-admin, dept-admin, user, auditor, or a custom role of the tenant. Repeatable.")
        var role: [String]

        @Option(help: "The tenant the user belongs to (must exist; not for super-admin).")
        var tenant: String?

        @Option(help: "Display name (default: the e-mail).")
        var name: String?

        @Option(help: "The password (≥ 12 characters, upper, lower, digit, symbol). Omit it to have one generated; a password on the command line may land in shell history.")
        var password: String?

        func run() async throws { try await start() }

        func start() async throws {
            let configuration = try options.loadOrExit()
            let store = try await GatewayServer.makeStore(configuration.database)
            // Creating a user hashes a password and issues no token: the master key is not used.
            let controlPlane = ControlPlane(masterKey: .random(), store: store, blockingWork: DispatchWorkRunner(), settings: configuration.accounts)
            do {
                let (user, generated) = try await controlPlane.accounts.createUser(
                    AccountService.NewUser(email: email, name: name, password: password, roles: role, tenantID: tenant))
                if let generated { print(generated) }
                let scope = user.tenantID == SystemScope.tenantID ? "system scope" : "tenant '\(user.tenantID)'"
                var note = "created user \(user.id) <\(user.email)> (\(user.roles.joined(separator: ", ")), \(scope)).\n"
                if generated != nil { note += "The password above is shown only this once.\n" }
                FileHandle.standardError.write(Data(note.utf8))
            } catch let error as GatewayError {
                FileHandle.standardError.write(Data("gatewyse: \(error.param.map { "--\($0 == "roles" ? "role" : $0): " } ?? "")\(error.message)\n".utf8))
                throw ExitCode(1)
            }
            await GatewayServer.closeStore(store)
        }
    }
}
