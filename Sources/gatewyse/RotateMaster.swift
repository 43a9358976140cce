import ArgumentParser
import Foundation
import GatewyseEngine
import GatewyseServer
import GatewyseStorage

extension Keys {
    /// `gatewyse keys rotate-master`: re-encrypts every stored provider credential under a new
    /// master key (one transaction, audited), then hands the new key over: written in place of the
    /// key file it was read from, or printed once when it came from `GATEWYSE_MASTER_KEY`.
    /// Stop the replicas first: one still running on the old key cannot read the new credentials.
    struct RotateMaster: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-master",
            abstract: "Re-encrypt stored provider credentials under a new master key (stop the gateway first).")

        @OptionGroup var options: ConfigurationOptions

        func run() async throws { try await start() }

        func start() async throws {
            let configuration = try options.loadOrExit()
            let environment = ProcessInfo.processInfo.environment
            let current: (key: MasterKey, origin: MasterKey.Origin)
            do {
                current = try MasterKey.load(environment: environment, fallback: MasterKey.fallback(for: configuration.database))
            } catch {
                FileHandle.standardError.write(Data("gatewyse: \(error)\n".utf8))
                throw ExitCode(2)
            }
            let keyFile: String?
            switch current.origin {
            case .file(let path), .generated(let path): keyFile = path
            case .environment: keyFile = nil
            case .ephemeral:
                FileHandle.standardError.write(Data("gatewyse: an in-memory database has nothing to rotate\n".utf8))
                throw ExitCode(2)
            }
            let store = try await GatewayServer.makeStore(configuration.database)
            let new = MasterKeyRotation.newKey()
            // The new key is on disk before the credentials depend on it: a crash in between
            // leaves both keys, never credentials without their key.
            let pending = keyFile.map { $0 + ".new" }
            if let pending { try MasterKeyRotation.writeKeyFile(new.text, to: pending) }
            // From the environment, the new key is shown before the commit: a commit that
            // succeeds but reports a failure (a connection lost during COMMIT) must not leave
            // credentials under a key nobody has.
            if keyFile == nil {
                print(new.text)
                FileHandle.standardError.write(Data("the new master key is above, shown once; keep it until this command reports the outcome.\n".utf8))
            }
            let count: Int
            do {
                count = try await MasterKeyRotation.reencrypt(store: store, from: current.key, to: new.key)
            } catch {
                // Most likely nothing changed (one transaction); but a commit can succeed and still
                // report a failure, so the new key is kept until the operator has checked.
                await GatewayServer.closeStore(store)
                FileHandle.standardError.write(Data("gatewyse: \((error as? MasterKeyRotation.Failure)?.description ?? "\(error)")\n".utf8))
                FileHandle.standardError.write(Data("If the system audit chain has no new master_key.rotate entry (GET /api/admin/audit?action=master_key.rotate as a super-admin), nothing changed and \(pending ?? "the key printed above") can be discarded; otherwise it is the key now in use.\n".utf8))
                throw ExitCode(1)
            }
            await GatewayServer.closeStore(store)
            if let keyFile, let pending {
                guard rename(pending, keyFile) == 0 else {
                    FileHandle.standardError.write(Data("gatewyse: the credentials are re-encrypted under \(pending), which could not replace \(keyFile): move it there yourself before restarting\n".utf8))
                    throw ExitCode(1)
                }
                FileHandle.standardError.write(Data("re-encrypted \(count) provider credential(s); the new key replaced \(keyFile). Restart every replica.\n".utf8))
            } else {
                FileHandle.standardError.write(Data("re-encrypted \(count) provider credential(s). Set the new key printed above as \(MasterKey.environmentVariable) on every replica, then restart them.\n".utf8))
            }
        }
    }
}
