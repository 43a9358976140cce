import ArgumentParser
import Foundation
import GatewyseEngine
import GatewyseServer
import GatewyseStorage

/// `gatewyse audit verify [--tenant T]`: recomputes hash chains straight from the database and
/// names the first broken sequence. Exit status 1 when any chain is broken, so it can run in cron.
struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check the audit log.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute audit hash chains: the system chain and every tenant's, or one tenant's with --tenant.")

        @OptionGroup var options: ConfigurationOptions

        @Option(help: "Verify only this tenant's chain ('system' for the system chain).")
        var tenant: String?

        func run() async throws { try await start() }

        func start() async throws {
            let configuration = try options.loadOrExit()
            let store = try await GatewayServer.makeStore(configuration.database)
            let chains = if let tenant { [tenant] } else { [AuditChain.system] + (try await store.allTenants().map(\.id)) }
            var broken = 0
            for chain in chains {
                let result = try await store.verifyAudit(chain: chain)
                if result.valid {
                    print("\(chain)\tvalid\t\(result.checked) entries")
                } else {
                    broken += 1
                    print("\(chain)\tBROKEN at sequence \(result.firstBrokenSequence.map(String.init) ?? "?")\t(\(result.checked) entries read)")
                }
            }
            await GatewayServer.closeStore(store)
            if broken > 0 { throw ExitCode(1) }
        }
    }
}
