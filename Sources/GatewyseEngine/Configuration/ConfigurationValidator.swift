import GatewyseCore
import GatewyseStorage
import GatewyseProviders
import GatewyseRouting

/// Phase two of configuration (ARCHITECTURE rule 9): reads a parsed document into a
/// `GatewayConfiguration`, collecting every problem with its path instead of stopping at the first.
public enum ConfigurationValidator {
    /// `readFile` reads the files the configuration names (ComfyUI workflows); without it, a
    /// file path is a problem.
    public static func load(yaml: String, environment: [String: String],
                            readFile: ConfigurationFileReader? = nil) throws(ConfigurationError) -> GatewayConfiguration {
        var problems: [String] = []
        let document = ConfigurationLoader.parse(yaml: yaml, environment: environment, problems: &problems)
        var configuration = validate(document, problems: &problems, readFile: readFile)
        TracingEnvironment.apply(environment, to: &configuration.tracing, problems: &problems)
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        return configuration
    }

    static let topLevelKeys: Set<String> = ["server", "database", "upstream", "routing", "prices", "providers", "models", "tenants", "auth", "usage", "budget_alerts", "metrics", "logging", "tracing"]

    public static func validate(_ document: ConfigValue, problems: inout [String], readFile: ConfigurationFileReader? = nil) -> GatewayConfiguration {
        var configuration = GatewayConfiguration()
        var r = Reader(problems: problems)
        r.readFile = readFile
        defer { problems = r.problems }
        if case .null = document { return configuration }
        guard case .mapping = document else {
            r.problems.append("the file must be a mapping of sections (server, providers, models, tenants)")
            return configuration
        }
        r.rejectUnknownKeys(document, allowed: topLevelKeys, path: "")

        if let server = r.mapping(document["server"], "server") {
            r.rejectUnknownKeys(server, allowed: ["host", "port", "max_body_bytes", "max_audio_body_bytes", "max_in_flight", "header_timeout_ms",
                                                  "body_timeout_ms", "idle_timeout_ms", "shutdown_delay_ms", "drain_timeout_ms"], path: "server")
            if let host = r.string(server["host"], "server.host") { configuration.server.host = host }
            if let port = r.int(server["port"], "server.port", in: 0...65535) { configuration.server.port = port }
            if let limit = r.int(server["max_body_bytes"], "server.max_body_bytes", in: 1024...(1 << 30)) { configuration.server.maxBodyBytes = limit }
            if let limit = r.int(server["max_audio_body_bytes"], "server.max_audio_body_bytes", in: 1024...(1 << 30)) {
                configuration.server.maxAudioBodyBytes = limit
            }
            if let limit = r.int(server["max_in_flight"], "server.max_in_flight", in: 1...1_000_000) { configuration.server.maxInFlight = limit }
            if let ms = r.int(server["header_timeout_ms"], "server.header_timeout_ms", in: 100...3_600_000) { configuration.server.headerTimeout = Double(ms) / 1000 }
            if let ms = r.int(server["body_timeout_ms"], "server.body_timeout_ms", in: 100...3_600_000) { configuration.server.bodyTimeout = Double(ms) / 1000 }
            if let ms = r.int(server["idle_timeout_ms"], "server.idle_timeout_ms", in: 100...86_400_000) { configuration.server.idleTimeout = Double(ms) / 1000 }
            if let ms = r.int(server["shutdown_delay_ms"], "server.shutdown_delay_ms", in: 0...600_000) { configuration.server.shutdownDelay = Double(ms) / 1000 }
            if let ms = r.int(server["drain_timeout_ms"], "server.drain_timeout_ms", in: 0...3_600_000) { configuration.server.drainTimeout = Double(ms) / 1000 }
        }
        if let url = r.string(document["database"], "database") {
            if let location = DatabaseLocation.parse(url) {
                configuration.database = location
            } else if url.hasPrefix("postgres") {
                r.problems.append("database: '\(PostgresURL.redacted(url))' is not a valid PostgreSQL URL (expected postgres://user:password@host:port/database)")
            } else {
                r.problems.append("database: '\(url)' is not a database URL (expected sqlite:PATH, memory: or postgres://…)")
            }
        }
        if let auth = r.mapping(document["auth"], "auth") {
            r.rejectUnknownKeys(auth, allowed: ["access_token_ttl_seconds", "refresh_idle_seconds", "session_max_seconds",
                                                "max_failed_logins", "max_failed_logins_per_address", "lockout_seconds", "sso_callback_base_url",
                                                "admin_url"], path: "auth")
            if let base = r.string(auth["sso_callback_base_url"], "auth.sso_callback_base_url") {
                if let problem = AccountSettings.callbackBaseProblem(base) {
                    r.problems.append("auth.sso_callback_base_url: \(problem)")
                } else {
                    configuration.accounts.ssoCallbackBaseURL = AccountSettings.normalizedCallbackBase(base)
                }
            }
            if let admin = r.string(auth["admin_url"], "auth.admin_url") { configuration.accounts.adminURL = admin }
            if let n = r.int(auth["access_token_ttl_seconds"], "auth.access_token_ttl_seconds", in: 60...86_400) {
                configuration.accounts.accessTokenLifetime = Int64(n)
            }
            if let n = r.int(auth["refresh_idle_seconds"], "auth.refresh_idle_seconds", in: 300...(90 * 86_400)) {
                configuration.accounts.refreshIdleLifetime = Int64(n)
            }
            if let n = r.int(auth["session_max_seconds"], "auth.session_max_seconds", in: 300...(365 * 86_400)) {
                configuration.accounts.sessionMaxLifetime = Int64(n)
            }
            if let n = r.int(auth["max_failed_logins"], "auth.max_failed_logins", in: 1...100) { configuration.accounts.maxFailedLogins = n }
            if let n = r.int(auth["max_failed_logins_per_address"], "auth.max_failed_logins_per_address", in: 1...100_000) {
                configuration.accounts.maxFailedLoginsPerAddress = n
            }
            if let n = r.int(auth["lockout_seconds"], "auth.lockout_seconds", in: 1...86_400) {
                configuration.accounts.lockoutDuration = Int64(n)
                configuration.accounts.failureWindow = Int64(n)
            }
        }
        if let usage = r.mapping(document["usage"], "usage") {
            r.rejectUnknownKeys(usage, allowed: ["journal_dir", "queue_capacity", "flush_interval_ms", "flush_batch"], path: "usage")
            if let directory = r.string(usage["journal_dir"], "usage.journal_dir") { configuration.usage.journalDirectory = directory }
            if let n = r.int(usage["queue_capacity"], "usage.queue_capacity", in: 100...10_000_000) { configuration.usage.queueCapacity = n }
            if let ms = r.int(usage["flush_interval_ms"], "usage.flush_interval_ms", in: 10...60_000) { configuration.usage.flushInterval = Double(ms) / 1000 }
            if let n = r.int(usage["flush_batch"], "usage.flush_batch", in: 1...100_000) { configuration.usage.flushBatch = n }
        }
        readObservability(document, into: &configuration, &r)
        readTracing(document, into: &configuration, &r)
        if let alerts = r.mapping(document["budget_alerts"], "budget_alerts") {
            r.rejectUnknownKeys(alerts, allowed: ["allow_private_webhooks", "check_interval_ms"], path: "budget_alerts")
            if let allow = r.bool(alerts["allow_private_webhooks"], "budget_alerts.allow_private_webhooks") {
                configuration.budgetAlerts.allowPrivateWebhooks = allow
            }
            if let ms = r.int(alerts["check_interval_ms"], "budget_alerts.check_interval_ms", in: 100...60_000) {
                configuration.budgetAlerts.checkInterval = Double(ms) / 1000
            }
        }
        if let upstream = r.mapping(document["upstream"], "upstream") {
            r.rejectUnknownKeys(upstream, allowed: ["connect_timeout_ms", "first_byte_timeout_ms", "total_timeout_ms", "connections_per_host",
                                                    "max_connections_per_host"], path: "upstream")
            if let ms = r.int(upstream["connect_timeout_ms"], "upstream.connect_timeout_ms", in: 1...600_000) { configuration.upstream.connectTimeout = Double(ms) / 1000 }
            if let ms = r.int(upstream["first_byte_timeout_ms"], "upstream.first_byte_timeout_ms", in: 1...3_600_000) { configuration.upstream.firstByteTimeout = Double(ms) / 1000 }
            if let ms = r.int(upstream["total_timeout_ms"], "upstream.total_timeout_ms", in: 1...86_400_000) { configuration.upstream.totalTimeout = Double(ms) / 1000 }
            if let n = r.int(upstream["connections_per_host"], "upstream.connections_per_host", in: 1...10_000) { configuration.upstream.connectionsPerHost = n }
            if let n = r.int(upstream["max_connections_per_host"], "upstream.max_connections_per_host", in: 1...100_000) {
                configuration.upstream.maxConnectionsPerHost = n
            }
        }

        configuration.routing = routing(document["routing"], &r)
        (configuration.providers, configuration.freeTierOverrides) = providers(document["providers"], &r)
        let providerIDs = Set(configuration.providers.map(\.id))
        configuration.models = models(document["models"], path: "models", providerIDs: providerIDs, defaultStrategy: configuration.routing.defaultStrategy, &r)
        configuration.tenants = tenants(document["tenants"], providerIDs: providerIDs, defaultStrategy: configuration.routing.defaultStrategy,
                                        globalAliases: Set(configuration.models.map(\.name)), &r)
        configuration.prices = prices(document["prices"], providerIDs: providerIDs, &r)
        checkWorkflowTargets(configuration, &r)
        return configuration
    }

    static func providers(_ value: ConfigValue?, _ r: inout Reader) -> ([ProviderConfiguration], [String: FreeTierQuota?]) {
        var result: [ProviderConfiguration] = []
        var freeTiers: [String: FreeTierQuota?] = [:]
        var seen: Set<String> = []
        for (i, item) in (r.sequence(value, "providers") ?? []).enumerated() {
            let path = "providers[\(i)]"
            guard let entry = r.mapping(item, path) else { continue }
            r.rejectUnknownKeys(entry, allowed: ["id", "type", "api_key", "base_url", "models", "headers", "allow_private_network", "free_tier", "api_version",
                                              "region", "aws_access_key_id", "aws_secret_access_key", "aws_session_token", "voices", "workflows", "audio_base_url"], path: path)
            guard let type = r.requiredString(entry["type"], "\(path).type") else { continue }
            guard let catalogEntry = ProviderCatalog.entry(forType: type) else {
                r.problems.append("\(path).type: unknown provider type \"\(type)\" (known: \(ProviderCatalog.knownTypes.joined(separator: ", ")))")
                continue
            }
            let id = r.string(entry["id"], "\(path).id") ?? catalogEntry.type
            if !Identifier.isValid(id) {
                r.problems.append("\(path).id: \"\(id)\" must be lowercase letters, digits, '-', '_' or '.' (no '/')")
            } else if !seen.insert(id).inserted {
                r.problems.append("\(path).id: duplicate provider id \"\(id)\"")
            }
            let apiKey = r.string(entry["api_key"], "\(path).api_key").map(Secret.init)
            if catalogEntry.requiresAPIKey, apiKey?.isEmpty ?? true, !r.hasProblem(under: "\(path).api_key") {
                r.problems.append("\(path).api_key: required for provider type \(catalogEntry.type)")
            }
            let allowPrivate = r.bool(entry["allow_private_network"], "\(path).allow_private_network") ?? catalogEntry.isSelfHosted
            let aws = awsSettings(entry, path: path, catalogEntry: catalogEntry, apiKey: apiKey, &r)
            var baseURL = catalogEntry.defaultBaseURL.map { $0.replacing("{region}", with: aws.region ?? "") } ?? ""
            if let url = r.string(entry["base_url"], "\(path).base_url") {
                baseURL = url
                if let problem = UpstreamURLPolicy.problem(with: url, allowPrivate: allowPrivate) {
                    r.problems.append("\(path).base_url: \(problem)")
                }
            } else if catalogEntry.defaultBaseURL == nil {
                r.problems.append("\(path).base_url: required for provider type \(catalogEntry.type)")
            }
            let models = (r.sequence(entry["models"], "\(path).models") ?? []).enumerated().compactMap { j, m in
                r.string(m, "\(path).models[\(j)]")
            }
            var headers: [(String, String)] = []
            if let headerMap = r.mapping(entry["headers"], "\(path).headers"), case .mapping(let pairs) = headerMap {
                for (name, v) in pairs {
                    if let text = r.string(v, "\(path).headers.\(name)") { headers.append((name, text)) }
                }
            }
            if let freeTier = entry["free_tier"], freeTier != .null {
                freeTiers[id] = self.freeTier(freeTier, path: "\(path).free_tier", &r)
            }
            let apiVersion = r.string(entry["api_version"], "\(path).api_version")
            // Header values go on the wire as given (the upstream client does not re-validate
            // them): a line break would split the request.
            for (name, value) in headers + (apiKey.map { [("api_key", $0.revealed)] } ?? []) where name.contains(where: \.isNewline) || value.contains(where: \.isNewline) {
                r.problems.append("\(path).\(name == "api_key" ? "api_key" : "headers.\(name)"): must not contain line breaks")
            }
            var provider = ProviderConfiguration(id: id, entry: catalogEntry, baseURL: baseURL, apiKey: apiKey, models: models, headers: headers,
                                                 apiVersion: apiVersion)
            provider.region = aws.region
            provider.awsCredentials = aws.credentials
            provider.allowPrivateNetwork = allowPrivate
            provider.voices = voices(entry["voices"], path: "\(path).voices", &r)
            provider.workflows = workflows(entry["workflows"], path: "\(path).workflows", type: catalogEntry.type, &r)
            let declared = provider.models
            provider.models += provider.workflows.keys.sorted().filter { !declared.contains($0) }
            // Checked like `base_url`: the key goes there too.
            if let url = r.string(entry["audio_base_url"], "\(path).audio_base_url") {
                if let problem = UpstreamURLPolicy.problem(with: url, allowPrivate: allowPrivate) {
                    r.problems.append("\(path).audio_base_url: \(problem)")
                }
                provider.audioBaseURL = url.hasSuffix("/") ? String(url.dropLast()) : url
            }
            result.append(provider)
        }
        return (result, freeTiers)
    }

    /// `voices: {alloy: <voice id>, …}`: OpenAI voice names to the provider's voice ids. Ids go
    /// into upstream URL paths, so only letters, digits, '-' and '_' are accepted.
    static func voices(_ value: ConfigValue?, path: String, _ r: inout Reader) -> [String: String] {
        guard let mapping = r.mapping(value, path), case .mapping(let pairs) = mapping else { return [:] }
        var result: [String: String] = [:]
        for (name, v) in pairs {
            guard let id = r.string(v, "\(path).\(name)") else { continue }
            guard !id.isEmpty, id.utf8.count <= 64, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                r.problems.append("\(path).\(name): a voice id is 1-64 letters, digits, '-' or '_'")
                continue
            }
            result[name] = id
        }
        return result
    }

    static let quotaKeys = ["requests_per_minute", "requests_per_hour", "requests_per_day", "requests_per_month",
                            "tokens_per_minute", "tokens_per_hour", "tokens_per_day", "tokens_per_month"]

    /// `free_tier: false` (no free tier) or a mapping of declared limits.
    static func freeTier(_ value: ConfigValue, path: String, _ r: inout Reader) -> FreeTierQuota? {
        if case .scalar = value {
            if r.bool(value, path) == true { r.problems.append("\(path): use false, or a mapping of limits (\(quotaKeys.joined(separator: ", ")))") }
            return nil
        }
        guard let mapping = r.mapping(value, path) else { return nil }
        r.rejectUnknownKeys(mapping, allowed: Set(quotaKeys), path: path)
        var limits: [Int?] = []
        for key in quotaKeys { limits.append(r.int(mapping[key], "\(path).\(key)", in: 1...Int(Int32.max))) }
        if limits.allSatisfy({ $0 == nil }) { r.problems.append("\(path): name at least one limit (\(quotaKeys.joined(separator: ", ")))") }
        return FreeTierQuota(requestsPerMinute: limits[0], requestsPerHour: limits[1], requestsPerDay: limits[2], requestsPerMonth: limits[3],
                             tokensPerMinute: limits[4], tokensPerHour: limits[5], tokensPerDay: limits[6], tokensPerMonth: limits[7])
    }

    /// `prices:` entries, USD per 1M tokens.
    static func prices(_ value: ConfigValue?, providerIDs: Set<String>, _ r: inout Reader) -> [String: ModelPrice] {
        var result: [String: ModelPrice] = [:]
        for (i, item) in (r.sequence(value, "prices") ?? []).enumerated() {
            let path = "prices[\(i)]"
            guard let entry = r.mapping(item, path) else { continue }
            r.rejectUnknownKeys(entry, allowed: ["provider", "model", "input", "output", "cached_input"], path: path)
            let provider = r.requiredString(entry["provider"], "\(path).provider")
            let model = r.requiredString(entry["model"], "\(path).model")
            if let provider, !providerIDs.contains(provider) { r.problems.append("\(path).provider: unknown provider \"\(provider)\"") }
            let input = r.price(entry["input"], "\(path).input", required: true)
            let output = r.price(entry["output"], "\(path).output", required: true)
            let cached = r.price(entry["cached_input"], "\(path).cached_input", required: false)
            if let provider, let model, let input, let output {
                result["\(provider)/\(model)"] = ModelPrice(input: input, output: output, cachedInput: cached)
            }
        }
        return result
    }

    static let strategyNames = RoutingStrategyKind.allCases.map(\.rawValue).joined(separator: ", ")

    static func routing(_ value: ConfigValue?, _ r: inout Reader) -> RoutingSettings {
        var settings = RoutingSettings()
        guard let routing = r.mapping(value, "routing") else { return settings }
        r.rejectUnknownKeys(routing, allowed: ["default_strategy", "max_attempts", "max_attempts_per_target", "retry_base_delay_ms",
                                               "retry_max_delay_ms", "breaker_failures", "breaker_open_seconds", "free_tiers"], path: "routing")
        if let raw = r.string(routing["default_strategy"], "routing.default_strategy") {
            if let kind = RoutingStrategyKind(rawValue: raw) { settings.defaultStrategy = kind }
            else { r.problems.append("routing.default_strategy: unknown strategy \"\(raw)\" (known: \(strategyNames))") }
        }
        if let n = r.int(routing["max_attempts"], "routing.max_attempts", in: 1...50) { settings.retry.maxTotalAttempts = n }
        if let n = r.int(routing["max_attempts_per_target"], "routing.max_attempts_per_target", in: 1...10) { settings.retry.maxAttemptsPerCandidate = n }
        if let ms = r.int(routing["retry_base_delay_ms"], "routing.retry_base_delay_ms", in: 0...60_000) { settings.retry.baseDelay = Double(ms) / 1000 }
        if let ms = r.int(routing["retry_max_delay_ms"], "routing.retry_max_delay_ms", in: 0...600_000) { settings.retry.maxDelay = Double(ms) / 1000 }
        if let n = r.int(routing["breaker_failures"], "routing.breaker_failures", in: 1...1000) { settings.health.breaker.failureThreshold = n }
        if let s = r.int(routing["breaker_open_seconds"], "routing.breaker_open_seconds", in: 1...86_400) { settings.health.breaker.openDuration = Double(s) }
        if let b = r.bool(routing["free_tiers"], "routing.free_tiers") { settings.trackFreeTiers = b }
        return settings
    }

    static func models(_ value: ConfigValue?, path base: String, providerIDs: Set<String>, defaultStrategy: RoutingStrategyKind,
                       knownAliases: Set<String> = [], _ r: inout Reader) -> [ModelAlias] {
        var result: [ModelAlias] = []
        var seen: Set<String> = []
        for (i, item) in (r.sequence(value, base) ?? []).enumerated() {
            let path = "\(base)[\(i)]"
            guard let entry = r.mapping(item, path) else { continue }
            r.rejectUnknownKeys(entry, allowed: ["name", "strategy", "targets", "fallbacks"], path: path)
            guard let name = r.requiredString(entry["name"], "\(path).name") else { continue }
            if name.contains("/") { r.problems.append("\(path).name: \"\(name)\" must not contain '/', which addresses provider/model") }
            if !seen.insert(name).inserted { r.problems.append("\(path).name: duplicate model alias \"\(name)\"") }
            var strategy = defaultStrategy
            if let raw = r.string(entry["strategy"], "\(path).strategy") {
                if let parsed = RoutingStrategyKind(rawValue: raw) {
                    strategy = parsed
                } else {
                    r.problems.append("\(path).strategy: unknown strategy \"\(raw)\" (known: \(strategyNames))")
                }
            }
            var targets: [ModelTarget] = []
            let targetItems = r.sequence(entry["targets"], "\(path).targets")
            if targetItems?.isEmpty ?? true, !r.hasProblem(under: "\(path).targets") {
                r.problems.append("\(path).targets: at least one target is required")
            }
            for (j, targetItem) in (targetItems ?? []).enumerated() {
                let targetPath = "\(path).targets[\(j)]"
                guard let target = r.mapping(targetItem, targetPath) else { continue }
                r.rejectUnknownKeys(target, allowed: ["provider", "model", "priority", "weight"], path: targetPath)
                let provider = r.requiredString(target["provider"], "\(targetPath).provider")
                let model = r.requiredString(target["model"], "\(targetPath).model")
                if let provider, !providerIDs.contains(provider) {
                    r.problems.append("\(targetPath).provider: unknown provider \"\(provider)\"")
                }
                // Without an explicit priority, the order written is the order preferred.
                let priority = r.int(target["priority"], "\(targetPath).priority", in: 0...1_000_000) ?? j + 1
                var weight = 1.0
                if let text = r.string(target["weight"], "\(targetPath).weight") {
                    if let value = Double(text), value > 0, value.isFinite { weight = value }
                    else { r.problems.append("\(targetPath).weight: must be a positive number, got \"\(text)\"") }
                }
                if let provider, let model { targets.append(ModelTarget(provider: provider, model: model, priority: priority, weight: weight)) }
            }
            let fallbacks = (r.sequence(entry["fallbacks"], "\(path).fallbacks") ?? []).enumerated().compactMap { j, item in
                r.string(item, "\(path).fallbacks[\(j)]")
            }
            result.append(ModelAlias(name: name, strategy: strategy, targets: targets, fallbacks: fallbacks))
        }
        // Fallbacks name aliases of the same list (or, for a tenant, global ones).
        let known = Set(result.map(\.name)).union(knownAliases)
        for (i, alias) in result.enumerated() {
            for (j, fallback) in alias.fallbacks.enumerated() where fallback == alias.name || !known.contains(fallback) {
                r.problems.append("\(base)[\(i)].fallbacks[\(j)]: \(fallback == alias.name ? "an alias cannot fall back to itself" : "unknown alias \"\(fallback)\"")")
            }
        }
        return result
    }

    static func tenants(_ value: ConfigValue?, providerIDs: Set<String>, defaultStrategy: RoutingStrategyKind,
                        globalAliases: Set<String>, _ r: inout Reader) -> [TenantSeed] {
        var result: [TenantSeed] = []
        var seenTenants: Set<String> = []
        for (i, item) in (r.sequence(value, "tenants") ?? []).enumerated() {
            let path = "tenants[\(i)]"
            guard let entry = r.mapping(item, path) else { continue }
            r.rejectUnknownKeys(entry, allowed: ["id", "name", "api_keys", "models"], path: path)
            guard let id = r.requiredString(entry["id"], "\(path).id") else { continue }
            if !Identifier.isValid(id) { r.problems.append("\(path).id: \"\(id)\" must be lowercase letters, digits, '-', '_' or '.'") }
            if id == "system" { r.problems.append("\(path).id: \"system\" names the deployment's own audit chain; choose another id") }
            if !seenTenants.insert(id).inserted { r.problems.append("\(path).id: duplicate tenant \"\(id)\"") }
            var keys: [(name: String, key: Secret)] = []
            var seenKeyNames: Set<String> = []
            for (j, keyItem) in (r.sequence(entry["api_keys"], "\(path).api_keys") ?? []).enumerated() {
                let keyPath = "\(path).api_keys[\(j)]"
                guard let keyEntry = r.mapping(keyItem, keyPath) else { continue }
                r.rejectUnknownKeys(keyEntry, allowed: ["name", "key"], path: keyPath)
                let name = r.requiredString(keyEntry["name"], "\(keyPath).name")
                let key = r.requiredString(keyEntry["key"], "\(keyPath).key")
                if let name, !seenKeyNames.insert(name).inserted { r.problems.append("\(keyPath).name: duplicate key name \"\(name)\"") }
                if let key, !(APIKeyMaterial.looksLikeKey(key) && key.utf8.count >= 32) {
                    r.problems.append("\(keyPath).key: must start with \(APIKeyMaterial.scheme) and be at least 32 characters")
                }
                if let name, let key { keys.append((name, Secret(key))) }
            }
            let tenantModels = Self.models(entry["models"], path: "\(path).models", providerIDs: providerIDs, defaultStrategy: defaultStrategy,
                                           knownAliases: globalAliases, &r)
            result.append(TenantSeed(id: id, name: r.string(entry["name"], "\(path).name") ?? id, apiKeys: keys, models: tenantModels))
        }
        return result
    }
}

/// Ids of providers and tenants: lowercase, URL- and path-safe.
enum Identifier {
    static func isValid(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 64 && id.utf8.allSatisfy { b in
            (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x5F || b == 0x2E
        }
    }
}

/// Typed reads from a `ConfigValue` that record a problem (with its path) instead of throwing.
struct Reader {
    var problems: [String]
    /// Reads the files the configuration names (`ConfigurationFileReader`).
    var readFile: ConfigurationFileReader?

    func hasProblem(under path: String) -> Bool { problems.contains { $0.hasPrefix(path) } }

    mutating func mapping(_ value: ConfigValue?, _ path: String) -> ConfigValue? {
        guard let value, value != .null else { return nil }
        guard case .mapping = value else { problems.append("\(path): expected a mapping"); return nil }
        return value
    }

    mutating func sequence(_ value: ConfigValue?, _ path: String) -> [ConfigValue]? {
        guard let value, value != .null else { return nil }
        guard case .sequence(let items) = value else { problems.append("\(path): expected a list"); return nil }
        return items
    }

    mutating func string(_ value: ConfigValue?, _ path: String) -> String? {
        guard let value, value != .null else { return nil }
        guard case .scalar(let text) = value else { problems.append("\(path): expected a string"); return nil }
        return text
    }

    mutating func requiredString(_ value: ConfigValue?, _ path: String) -> String? {
        guard let value, value != .null else { problems.append("\(path): required"); return nil }
        let text = string(value, path)
        if text?.isEmpty == true, !hasProblem(under: path) { problems.append("\(path): must not be empty"); return nil }
        return text
    }

    mutating func int(_ value: ConfigValue?, _ path: String, in range: ClosedRange<Int>) -> Int? {
        guard let text = string(value, path) else { return nil }
        guard let number = Int(text) else { problems.append("\(path): expected an integer, got \"\(text)\""); return nil }
        guard range.contains(number) else { problems.append("\(path): must be between \(range.lowerBound) and \(range.upperBound)"); return nil }
        return number
    }

    /// A non-negative USD amount.
    /// A price, read exactly from its decimal text (never through `Double`).
    mutating func price(_ value: ConfigValue?, _ path: String, required: Bool) -> Money? {
        guard let text = string(value, path) else {
            if required, !hasProblem(under: path) { problems.append("\(path): required") }
            return nil
        }
        guard let amount = Money(usd: text), amount >= .zero else {
            problems.append("\(path): expected a non-negative amount in USD with at most 9 decimals, got \"\(text)\"")
            return nil
        }
        return amount
    }

    mutating func bool(_ value: ConfigValue?, _ path: String) -> Bool? {
        guard let text = string(value, path) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: problems.append("\(path): expected true or false, got \"\(text)\""); return nil
        }
    }

    mutating func rejectUnknownKeys(_ value: ConfigValue, allowed: Set<String>, path: String) {
        guard case .mapping(let pairs) = value else { return }
        for (key, _) in pairs where !allowed.contains(key) {
            let location = path.isEmpty ? key : "\(path).\(key)"
            problems.append("\(location): unknown key (expected one of: \(allowed.sorted().joined(separator: ", ")))")
        }
    }
}
