import ArgumentParser
import Foundation
import GatewyseCore
import GatewyseEngine
import GatewyseServer
import GatewyseStorage

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start the gateway.")

    @OptionGroup var options: ConfigurationOptions

    @Option(name: .long, help: "Address to listen on (default 127.0.0.1).")
    var host: String?

    @Option(name: .long, help: "Port to listen on (default 8080).")
    var port: Int?

    func run() async throws { try await start() }

    /// The command itself; `main.swift` calls it by this unambiguous name.
    func start() async throws {
        var configuration: GatewayConfiguration
        do {
            configuration = try options.load()
        } catch let error as ConfigurationError {
            exitWithConfigurationError(error)
        }
        if let host { configuration.server.host = host }
        if let port { configuration.server.port = port }
        let (logger, requestLog) = makeServeLogging(configuration.logging)

        let environment = ProcessInfo.processInfo.environment
        if let base = environment["SSO_CALLBACK_BASE_URL"], !base.isEmpty {
            if let problem = AccountSettings.callbackBaseProblem(base) {
                exitWithConfigurationError(ConfigurationError(problems: ["SSO_CALLBACK_BASE_URL: \(problem)"]))
            }
            configuration.accounts.ssoCallbackBaseURL = AccountSettings.normalizedCallbackBase(base)
        }
        if let admin = environment["ADMIN_URL"], !admin.isEmpty { configuration.accounts.adminURL = admin }
        let masterKey: MasterKey
        do {
            let loaded = try MasterKey.load(environment: environment, fallback: MasterKey.fallback(for: configuration.database))
            masterKey = loaded.key
            switch loaded.origin {
            case .generated(let path):
                logger.notice("generated the master key \(path) (mode 0600): back it up; without it stored credentials cannot be decrypted")
            case .ephemeral:
                logger.notice("in-memory database: the master key lives only as long as this process")
            case .environment, .file:
                break
            }
        } catch {
            FileHandle.standardError.write(Data("gatewyse: \(error)\n".utf8))
            Foundation.exit(2)
        }

        // First start with no key anywhere: mint one so the operator can make a first call.
        let store = try await GatewayServer.makeStore(configuration.database)
        let bootstrapKey = try await Self.bootstrapKeyIfNeeded(configuration, store: store)
        // First start with no user: the super-admin (its generated password is shown once, below).
        let superAdmin: AccountBootstrap.Outcome?
        do {
            let controlPlane = ControlPlane(masterKey: masterKey, store: store, blockingWork: DispatchWorkRunner(), settings: configuration.accounts)
            superAdmin = try await AccountBootstrap.ensureSuperAdmin(accounts: controlPlane.accounts, environment: environment)
        } catch let error as BootstrapError {
            FileHandle.standardError.write(Data("gatewyse: \(error.description)\n".utf8))
            Foundation.exit(2)
        }
        var adminEmail = superAdmin?.email
        if adminEmail == nil { adminEmail = try await Self.superAdminEmail(store) }
        let signInEmail = adminEmail
        let providers = configuration.providers.map(\.id)
        let aliases = configuration.models.map(\.name)
        let settings = configuration
        let banner: @Sendable (Int) async -> Void = { port in
            let host = settings.server.host == "0.0.0.0" ? "127.0.0.1" : settings.server.host
            let base = "http://\(host):\(port)"
            var lines = ["", "Gatewyse is listening on \(base)", ""]
            lines.append("  Point an SDK at it:  OPENAI_BASE_URL=\(base)/v1")
            if let bootstrapKey {
                lines.append("                       OPENAI_API_KEY=\(bootstrapKey)")
                lines.append("  (a first API key for tenant 'default', shown only this once)")
            } else {
                lines.append("  API keys:            gatewyse keys create --tenant <tenant> --name <name>")
            }
            lines.append("  Database:            \(settings.database)")
            if providers.isEmpty {
                lines.append("  Providers:           none yet: export OPENAI_API_KEY, GROQ_API_KEY, … (or OLLAMA_BASE_URL, VLLM_BASE_URL)")
                lines.append("                       or pass --config gatewyse.yaml; see README.md")
            } else {
                lines.append("  Providers:           \(providers.joined(separator: ", "))  (address models as provider/model)")
            }
            if !aliases.isEmpty { lines.append("  Model aliases:       \(aliases.joined(separator: ", "))") }
            lines.append("  Admin sign-in:       POST \(base)/api/auth/login  as \(signInEmail ?? "an admin (gatewyse admin create --email E --role super-admin)")")
            if let password = superAdmin?.generatedPassword {
                lines.append("                       password: \(password)")
                lines.append("  (the super-admin's generated password, shown only this once: change it with POST /api/auth/password)")
            }
            lines.append("    curl -X POST \(base)/api/auth/login -H 'Content-Type: application/json' \\")
            lines.append("      -d '{\"email\":\"\(signInEmail ?? "you@example.com")\",\"password\":\"…\"}'")
            lines.append("  Dashboard:           \(base)\(GatewayServer.dashboardPath)  (sign in with the admin account above)")
            lines.append("  Try:  curl \(base)/v1/chat/completions -H \"Authorization: Bearer $OPENAI_API_KEY\" \\")
            lines.append("          -H 'Content-Type: application/json' -d '{\"model\":\"\(aliases.first ?? (providers.first.map { "\($0)/<model>" } ?? "openai/gpt-4o-mini"))\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}'")
            lines.append("")
            print(lines.joined(separator: "\n"))
            fflush(nil)
        }
        do {
            try await GatewayServer.run(configuration: settings, store: store, masterKey: masterKey, logger: logger,
                                        observers: requestLog.map { [$0] } ?? [], beforeExit: { LogSink.standardOutput.flush() },
                                        onRunning: banner)
        } catch {
            await GatewayServer.closeStore(store)
            LogSink.standardOutput.flush()
            throw error
        }
        await GatewayServer.closeStore(store)
        logger.info("stopped")
        LogSink.standardOutput.flush()
    }

    /// The e-mail of a super-admin, to name in the banner.
    static func superAdminEmail(_ store: any GatewayStore) async throws -> String? {
        try await store.all(UserRecord.self).filter { $0.roles.contains(BuiltInRole.superAdmin.rawValue) }
            .min { $0.createdAt < $1.createdAt }?.email
    }

    /// Creates a key for tenant `default` when the database holds no key and the configuration
    /// declares none, so `make run` on a fresh machine ends with a working key.
    /// It is made in `store`, the one the server then runs on (`memory:` exists once per process).
    static func bootstrapKeyIfNeeded(_ configuration: GatewayConfiguration, store: any GatewayStore) async throws -> String? {
        guard configuration.tenants.allSatisfy({ $0.apiKeys.isEmpty }) else { return nil }
        guard try await store.allKeys().isEmpty else { return nil }
        return try await GatewayRuntime.createKey(store: store, tenantID: "default", name: "bootstrap").key
    }
}
