import GatewyseCore
import GatewyseProviders
import GatewyseRouting
import GatewyseStorage
import Logging

extension RouteResolver {
    /// The route table from the configuration and the store: stored routes, the providers
    /// added through the admin API with their credentials decrypted (in memory only, for the
    /// request path) with the free tiers they state, and the `models` entries' prices resolved
    /// into every candidate (`ModelPricing`). A provider that cannot be decrypted (another master
    /// key, a tampered row) is left out and logged by id, never with its secret, rather than
    /// failing the reload.
    public static func load(configuration: GatewayConfiguration, store: any ControlPlaneStore, credentials: CredentialCipher,
                            logger: Logger? = nil) async throws -> RouteResolver {
        let routes = try await store.allRoutes()
        let models = try await store.listAll(.model).map { try ModelRecord(stored: $0) }
        var shared: [ProviderConfiguration] = []
        var perTenant: [String: [ProviderConfiguration]] = [:]
        var freeTiers: [String: [String: FreeTierQuota?]] = [:]
        for stored in try await store.listAll(.provider) {
            let record = try ProviderRecord(stored: stored)
            guard record.enabled else { continue }
            guard let provider = record.configuration(credentials) else {
                logger?.error("provider credentials do not decrypt with this master key; provider left out",
                              metadata: ["provider": "\(record.id)", "tenant": "\(record.tenantID)"])
                continue
            }
            if record.tenantID == SystemScope.tenantID { shared.append(provider) } else { perTenant[record.tenantID, default: []].append(provider) }
            // `.some(nil)` is a stated "no free tier"; a provider that states nothing has no entry.
            if let stated = record.freeTier { freeTiers[record.tenantID, default: [:]][record.id] = .some(stated.quota) }
        }
        return RouteResolver(configuration: configuration, storedRoutes: routes, sharedProviders: shared, tenantProviders: perTenant,
                             providerFreeTiers: freeTiers, pricing: ModelPricing(configuration: configuration, models: models))
    }
}

extension ProviderRecord {
    /// The adapter configuration, secrets decrypted; nil when the type is unknown to this build
    /// or a secret does not decrypt.
    func configuration(_ credentials: CredentialCipher) -> ProviderConfiguration? {
        guard let entry = ProviderCatalog.entry(forType: type) else { return nil }
        var apiKey: Secret?
        if let encryptedAPIKey {
            guard let key = try? credentials.decrypt(encryptedAPIKey, tenantID: tenantID) else { return nil }
            apiKey = Secret(key)
        }
        var headers: [(String, String)] = []
        if let encryptedHeaders {
            guard let text = try? credentials.decrypt(encryptedHeaders, tenantID: tenantID),
                  let object = (try? JSONParser.parse(Array(text.utf8)))?.objectValue else { return nil }
            headers = object.entries.compactMap { name, value in value.stringValue.map { (name, $0) } }
        }
        var provider = ProviderConfiguration(id: id, entry: entry, baseURL: baseURL, apiKey: apiKey, models: models, headers: headers,
                                             apiVersion: settings["apiVersion"])
        provider.region = settings["region"]
        provider.voices = voices
        let workflows = self.workflows
        provider.workflows = workflows
        provider.models += workflows.keys.sorted().filter { !models.contains($0) }
        provider.allowPrivateNetwork = allowPrivateNetwork
        return provider
    }
}

extension ProviderRecord.FreeTier {
    /// The quota the free-tier tracker counts against; nil for an account without a free tier.
    var quota: FreeTierQuota? {
        switch self {
        case .none: nil
        case .limits(let limits): limits.quota
        }
    }
}

extension ProviderRecord.FreeTierLimits {
    var quota: FreeTierQuota {
        FreeTierQuota(requestsPerMinute: requestsPerMinute, requestsPerHour: requestsPerHour, requestsPerDay: requestsPerDay,
                      requestsPerMonth: requestsPerMonth, tokensPerMinute: tokensPerMinute, tokensPerHour: tokensPerHour,
                      tokensPerDay: tokensPerDay, tokensPerMonth: tokensPerMonth)
    }

    init(_ quota: FreeTierQuota) {
        self.init()
        for limit in quota.limits {
            switch (limit.metric, limit.window) {
            case (.requests, .minute): requestsPerMinute = limit.limit
            case (.requests, .hour): requestsPerHour = limit.limit
            case (.requests, .day): requestsPerDay = limit.limit
            case (.requests, .month): requestsPerMonth = limit.limit
            case (.tokens, .minute): tokensPerMinute = limit.limit
            case (.tokens, .hour): tokensPerHour = limit.limit
            case (.tokens, .day): tokensPerDay = limit.limit
            case (.tokens, .month): tokensPerMonth = limit.limit
            }
        }
    }
}
