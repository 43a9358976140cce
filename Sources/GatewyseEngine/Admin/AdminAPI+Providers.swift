import GatewyseCore
import GatewyseProviders
import GatewyseRouting
import GatewyseStorage

/// `providers`: a tenant's own upstream accounts, or shared ones managed by a super-admin acting
/// on no tenant. The API key and headers are encrypted before they reach the store and never
/// answered (`hasApiKey`, header names only). The configuration file's providers read here with
/// `source: "config"`. Provider ids are unique across the whole deployment, so health, free-tier
/// and log lines never mix two accounts.
extension AdminAPI {
    static let providerFields: Set<String> = ["id", "type", "name", "apiKey", "baseUrl", "headers", "models", "enabled", "settings",
                                              "allowPrivateNetwork", "freeTier"]

    func providerRoutes() -> [AdminRoute] {
        [
            AdminRoute("GET", "/api/admin/providers", .providersRead, scope: .either) { [self] request in
                let tenantID = request.principal.tenantID
                let stored = try await store.everything(ProviderRecord.self, tenantID: tenantID)
                let configured = tenantID == SystemScope.tenantID ? configuration.providers : []
                let items = stored.map { ($0.id, render($0)) } + configured.map { ($0.id, render($0)) }
                return .ok(try AdminListing.page(items, query: request.query, filterable: ["type", "enabled", "source", "name"]))
            },
            AdminRoute("POST", "/api/admin/providers", .providersWrite, scope: .either) { [self] request in
                let body = try FieldReader(request.body, allowed: Self.providerFields)
                let id = try body.requiredString("id")
                let provider = try await provider(from: body, id: id, existing: nil, request: request)
                let freeTier = provider.freeTier.map { "; free tier " + JSONWriter.string(Self.render(freeTier: $0.quota)) } ?? ""
                do {
                    try await commit([.insert(provider, at: now)], audit: [
                        request.principal.audit("provider.create", targetType: "provider", targetID: id,
                                                summary: "created provider \(id) (\(provider.type)) at \(provider.baseURL)\(freeTier)", time: nowMilliseconds),
                    ])
                } catch StoreError.duplicate {
                    throw GatewayError.conflict("A provider with the id '\(id)' already exists in this deployment.", param: "id")
                }
                return .created(.object(render(provider)))
            },
            AdminRoute("GET", "/api/admin/providers/{id}", .providersRead, scope: .either) { [self] request in
                if let configured = configuredProvider(request) { return .ok(.object(render(configured))) }
                return .ok(.object(render(try await existing(ProviderRecord.self, "provider", request))))
            },
            AdminRoute("PUT", "/api/admin/providers/{id}", .providersWrite, scope: .either) { [self] request in
                try await replaceProvider(request, partial: false)
            },
            AdminRoute("PATCH", "/api/admin/providers/{id}", .providersWrite, scope: .either) { [self] request in
                try await replaceProvider(request, partial: true)
            },
            AdminRoute("POST", "/api/admin/providers/{id}/test", .providersWrite, scope: .either) { [self] request in
                let body = request.body == nil ? nil : try FieldReader(request.body, allowed: ["model"])
                let provider: ProviderConfiguration
                if let configured = configuredProvider(request) {
                    provider = configured
                } else {
                    let record = try await existing(ProviderRecord.self, "provider", request)
                    guard let decrypted = record.configuration(credentials) else {
                        throw GatewayError.conflict("The credentials of provider '\(record.id)' do not decrypt with this gateway's master key; set them again.")
                    }
                    provider = decrypted
                }
                guard let model = try body?.string("model") ?? provider.models.first else {
                    throw GatewayError.invalidField("model", "Name the model to test with ('model'), or declare the provider's models.")
                }
                if let problem = RouteResolver.unsafeUpstreamModel(model) { throw GatewayError.invalidField("model", "The model name \(problem).") }
                let outcome = await prober.probe(provider, model: model, tenantID: request.principal.tenantID)
                return .ok(.object(JSONObject([("ok", .bool(outcome.ok)), ("status", .int(outcome.status)),
                                               ("latencyMs", .int(outcome.latencyMs)), ("message", .string(outcome.message))])))
            },
            AdminRoute("DELETE", "/api/admin/providers/{id}", .providersWrite, scope: .either) { [self] request in
                if configuredProvider(request) != nil { throw GatewayError.configManaged("provider", request.parameter("id")) }
                let provider = try await existing(ProviderRecord.self, "provider", request)
                let users = try await store.listAll(.route).map { try RouteRecord(stored: $0) }
                    .filter { route in route.targets.contains { $0.provider == provider.id } && (provider.tenantID == SystemScope.tenantID || route.tenantID == provider.tenantID) }
                guard users.isEmpty else {
                    throw GatewayError.conflict("Provider '\(provider.id)' is a target of route(s) \(users.map(\.alias).joined(separator: ", ")); change them first.")
                }
                try await commit([.delete(provider)], audit: [
                    request.principal.audit("provider.delete", targetType: "provider", targetID: provider.id,
                                            summary: "deleted provider \(provider.id)", time: nowMilliseconds),
                ])
                return .noContent
            },
        ]
    }

    private func replaceProvider(_ request: AdminRequest, partial: Bool) async throws -> AdminAnswer {
        if configuredProvider(request) != nil { throw GatewayError.configManaged("provider", request.parameter("id")) }
        let (current, version) = try await existingVersioned(ProviderRecord.self, "provider", request)
        let body = try FieldReader(request.body, allowed: Self.providerFields)
        if let id = try body.string("id"), id != current.id { throw GatewayError.invalidField("id", "The id of a provider cannot change.") }
        if let type = try body.string("type"), type != current.type { throw GatewayError.invalidField("type", "The type of a provider cannot change; create another.") }
        let updated = try await provider(from: body, id: current.id, existing: partial ? current : current.keepingSecretsOnly, request: request)
        let rotated = body.has("apiKey") ? (body.isSet("apiKey") ? "; API key replaced" : "; API key removed") : ""
        try await commit([.update(updated, at: now, expectedVersion: version)], audit: [
            request.principal.audit("provider.update", targetType: "provider", targetID: updated.id,
                                    summary: changeSummary(before: render(current), after: render(updated)) + rotated,
                                    time: nowMilliseconds),
        ])
        return .ok(.object(render(updated)))
    }

    /// A record from a body: on create `existing` is nil; on PATCH it is the current record; on
    /// PUT it is the current record stripped of everything but its secrets (a whole replacement
    /// that omits the write-only `apiKey` keeps the stored one).
    private func provider(from body: FieldReader, id: String, existing: ProviderRecord?, request: AdminRequest) async throws -> ProviderRecord {
        let tenantID = request.principal.tenantID
        var record: ProviderRecord
        if let existing {
            record = existing
        } else {
            guard Identifier.isValid(id) else {
                throw GatewayError.invalidField("id", "'id' must be lowercase letters, digits, '-', '_' or '.' (at most 64).")
            }
            guard id != "health", !configuration.providers.contains(where: { $0.id == id }),
                  try await store.fetch(.provider, uniqueKey: ProviderRecord.uniqueKey(id: id)) == nil else {
                throw GatewayError.conflict("A provider with the id '\(id)' already exists in this deployment.", param: "id")
            }
            record = ProviderRecord(id: id, tenantID: tenantID, type: try body.requiredString("type"), name: id, baseURL: "", createdAt: now, updatedAt: now)
        }
        guard let entry = ProviderCatalog.entry(forType: record.type) else {
            throw GatewayError.invalidField("type", "Unknown provider type '\(record.type)' (known: \(ProviderCatalog.knownTypes.joined(separator: ", "))).")
        }
        if case .awsSigV4 = entry.auth {
            throw GatewayError.invalidField("type", "AWS-signed providers (\(record.type)) are configured in the configuration file for now.")
        }
        if let name = try body.string("name") { record.name = try nonEmpty(name, "name") }
        if let enabled = try body.bool("enabled") { record.enabled = enabled }
        if body.has("freeTier") { record.freeTier = try Self.freeTier(body, current: record.freeTier) }
        if let models = try body.strings("models") { record.models = uniqued(models) }
        let superAdmin = request.principal.isSuperAdmin
        // Self-hosted types live on private networks by nature, but only an operator may say so.
        let unstated = existing == nil || existing?.baseURL.isEmpty == true ? entry.isSelfHosted && superAdmin : record.allowPrivateNetwork
        record.allowPrivateNetwork = try Self.privateNetworkFlag(requested: try body.bool("allowPrivateNetwork"), unstated: unstated,
                                                                 stored: existing?.allowPrivateNetwork, movesAddress: body.has("baseUrl"),
                                                                 superAdmin: superAdmin, field: "allowPrivateNetwork")
        if let settings = try body.nested("settings", allowed: ["apiVersion", "region", "voices", "workflows"]) {
            record.settings = [:]
            if let version = try settings.string("apiVersion") { record.settings["apiVersion"] = version }
            if let region = try settings.string("region") { record.settings["region"] = region }
            // OpenAI voice names → the provider's voice ids (ElevenLabs), kept flat as
            // `voice:<name>` settings; ids go into upstream URL paths, hence the character check.
            for (name, id) in try settings.stringMap("voices") ?? [:] {
                guard (1...64).contains(id.utf8.count), id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                    throw GatewayError.invalidField("settings.voices.\(name)", "'settings.voices.\(name)' must be a voice id of 1-64 letters, digits, '-' or '_'.")
                }
                record.settings[ProviderRecord.voicePrefix + name] = id
            }
            try Self.readWorkflows(settings, type: record.type, into: &record.settings)
        }
        try Self.requireWorkflows(record)
        if let url = try body.string("baseUrl") {
            record.baseURL = url
        } else if record.baseURL.isEmpty {
            guard let template = entry.defaultBaseURL else { throw GatewayError.invalidField("baseUrl", "'baseUrl' is required for provider type \(entry.type).") }
            record.baseURL = template.replacing("{region}", with: record.settings["region"] ?? "")
        }
        if let problem = UpstreamURLPolicy.problem(with: record.baseURL, allowPrivate: record.allowPrivateNetwork) {
            throw GatewayError.invalidField("baseUrl", "'baseUrl' \(problem).")
        }
        if body.has("apiKey") {
            let key = try body.string("apiKey")
            if let key, key.contains(where: \.isNewline) { throw GatewayError.invalidField("apiKey", "'apiKey' must not contain line breaks.") }
            record.encryptedAPIKey = try key.map { try credentials.encrypt($0, tenantID: record.tenantID) }
        }
        if entry.requiresAPIKey, record.encryptedAPIKey == nil {
            throw GatewayError.invalidField("apiKey", "'apiKey' is required for provider type \(entry.type).")
        }
        if let headers = try body.stringMap("headers") {
            for (name, value) in headers {
                if let problem = Self.headerProblem(name: name, value: value) { throw GatewayError.invalidField("headers.\(name)", problem) }
            }
            record.headerNames = headers.keys.sorted()
            record.encryptedHeaders = headers.isEmpty ? nil : try credentials.encrypt(JSONWriter.string(.object(JSONObject(
                headers.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) }))), tenantID: record.tenantID)
        }
        record.updatedAt = now
        return record
    }

    /// Headers the gateway sends itself or that frame the message: a provider's extra headers
    /// travel on pooled connections other tenants share, so they must not be able to split or
    /// re-frame a request.
    static let reservedHeaders: Set<String> = ["host", "content-length", "transfer-encoding", "connection", "te", "upgrade", "trailer",
                                               "keep-alive", "expect", "proxy-authorization", "proxy-connection"]

    static func headerProblem(name: String, value: String) -> String? {
        // RFC 9110 token characters.
        let token = name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
        guard !name.isEmpty, token else { return "'\(name)' is not a valid header name." }
        let lower = name.lowercased()
        guard !reservedHeaders.contains(lower), !lower.hasPrefix("proxy-") else { return "'\(name)' is set by the gateway and cannot be configured." }
        guard !value.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F }) else {
            return "The value of '\(name)' must not contain control characters."
        }
        return nil
    }

    private func configuredProvider(_ request: AdminRequest) -> ProviderConfiguration? {
        guard request.principal.tenantID == SystemScope.tenantID else { return nil }
        return configuration.providers.first { $0.id == request.parameter("id") }
    }

    func render(_ provider: ProviderRecord) -> JSONObject {
        JSONObject([
            ("id", .string(provider.id)), ("type", .string(provider.type)), ("name", .string(provider.name)),
            ("baseUrl", .string(provider.baseURL)), ("hasApiKey", .bool(provider.encryptedAPIKey != nil)),
            ("headers", .object(JSONObject(provider.headerNames.map { ($0, JSONValue.string("********")) }))),
            ("models", .strings(provider.models)), ("enabled", .bool(provider.enabled)),
            ("allowPrivateNetwork", .bool(provider.allowPrivateNetwork)),
            ("settings", .object(Self.renderSettings(provider.settings))),
            ("freeTier", provider.freeTier.map { Self.render(freeTier: $0.quota) } ?? .null),
            ("scope", .string(provider.tenantID == SystemScope.tenantID ? "shared" : "tenant")),
            ("source", .string("api")), ("createdAt", .time(provider.createdAt)), ("updatedAt", .time(provider.updatedAt)),
        ])
    }

    func render(_ provider: ProviderConfiguration) -> JSONObject {
        var settings = JSONObject()
        if let version = provider.apiVersion { settings["apiVersion"] = .string(version) }
        if let region = provider.region { settings["region"] = .string(region) }
        if !provider.voices.isEmpty {
            settings["voices"] = .object(JSONObject(provider.voices.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) }))
        }
        if !provider.workflows.isEmpty { settings["workflows"] = Self.render(workflows: provider.workflows) }
        return JSONObject([
            ("id", .string(provider.id)), ("type", .string(provider.entry.type)), ("name", .string(provider.entry.displayName)),
            ("baseUrl", .string(provider.baseURL)), ("hasApiKey", .bool(provider.apiKey.map { !$0.isEmpty } ?? false || provider.awsCredentials != nil)),
            ("headers", .object(JSONObject(provider.headers.map { ($0.0, JSONValue.string("********")) }))),
            ("models", .strings(provider.models)), ("enabled", .bool(true)), ("settings", .object(settings)),
            // What the file states, read like an API provider's: `free_tier: false` → false, limits → an object, nothing → null.
            ("freeTier", configuration.freeTierOverrides[provider.id].map { Self.render(freeTier: $0) } ?? .null),
            ("scope", .string("shared")), ("source", .string("config")),
        ])
    }
}

extension AdminAPI {
    /// The limits of `freeTier`: the configuration file's `free_tier` keys
    /// (`ConfigurationValidator.quotaKeys`), camelCased, in the same order.
    static let freeTierLimits: [(name: String, metric: QuotaMetric, window: QuotaWindow)] = [
        ("requestsPerMinute", .requests, .minute), ("requestsPerHour", .requests, .hour), ("requestsPerDay", .requests, .day),
        ("requestsPerMonth", .requests, .month), ("tokensPerMinute", .tokens, .minute), ("tokensPerHour", .tokens, .hour),
        ("tokensPerDay", .tokens, .day), ("tokensPerMonth", .tokens, .month),
    ]

    /// `freeTier` of a body, with the configuration file's three meanings: `null` states
    /// nothing, so the catalog's default for the type applies (the file's `free_tier` left out
    /// or null; and what GET answers for such a provider, so a read body written back changes
    /// nothing); `false` says the account has no free tier; an object declares the limits that
    /// replace the default. On PATCH an object merges into the declared limits, as keys' rate
    /// limits do: a limit left out keeps its value, null removes it.
    static func freeTier(_ body: FieldReader, current: ProviderRecord.FreeTier?) throws(GatewayError) -> ProviderRecord.FreeTier? {
        let names = freeTierLimits.map(\.name)
        switch body.object["freeTier"] {
        case nil, .null?: return nil
        case .bool(false)?: return ProviderRecord.FreeTier.none
        case .object?: break
        default:
            throw GatewayError.invalidField("freeTier", "'freeTier' must be false (no free tier), null (the catalog's default) or an object of limits (\(names.joined(separator: ", "))).")
        }
        guard let reader = try body.nested("freeTier", allowed: Set(names)) else { return nil }
        var declared = current?.quota?.limits ?? []
        for field in freeTierLimits where reader.has(field.name) {
            declared.removeAll { $0.metric == field.metric && $0.window == field.window }
            guard let value = try reader.count(field.name) else { continue }
            guard (1...Int(Int32.max)).contains(value) else {
                throw GatewayError.invalidField(reader.name(field.name), "'\(reader.name(field.name))' must be a whole number from 1 to \(Int32.max).")
            }
            declared.append(QuotaLimit(field.metric, per: field.window, limit: value))
        }
        guard !declared.isEmpty else {
            throw GatewayError.invalidField("freeTier", "'freeTier' needs at least one limit (\(names.joined(separator: ", "))); false says there is no free tier.")
        }
        return .limits(ProviderRecord.FreeTierLimits(FreeTierQuota(declared)))
    }

    /// A free tier as the API shows it: its declared limits in the file's order, or `false` for none.
    static func render(freeTier quota: FreeTierQuota?) -> JSONValue {
        guard let quota else { return .bool(false) }
        return .object(JSONObject(freeTierLimits.compactMap { field in
            quota.limits.first { $0.metric == field.metric && $0.window == field.window }.map { (field.name, JSONValue.int($0.limit)) }
        }))
    }

    /// A record's settings as the API shows them: `voice:<name>` entries gathered under `voices`,
    /// `workflow:<name>` ones under `workflows`.
    static func renderSettings(_ settings: [String: String]) -> JSONObject {
        let flat = settings.filter { !$0.key.hasPrefix(ProviderRecord.voicePrefix) && !$0.key.hasPrefix(ProviderRecord.workflowPrefix) }
        var object = JSONObject(flat.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })
        let voices = settings.filter { $0.key.hasPrefix(ProviderRecord.voicePrefix) }.sorted { $0.key < $1.key }
            .map { (String($0.key.dropFirst(ProviderRecord.voicePrefix.count)), JSONValue.string($0.value)) }
        if !voices.isEmpty { object["voices"] = .object(JSONObject(voices)) }
        let workflows = ProviderRecord.workflows(in: settings)
        if !workflows.isEmpty { object["workflows"] = render(workflows: workflows) }
        return object
    }

    /// `allowPrivateNetwork` after a write (admin-api.md §4), for providers and single sign-on
    /// alike, since the gateway itself calls the address: only a super-admin turns it on; a
    /// tenant admin may send back what it read (a flag an operator set), and one who moves the
    /// address drops it (the operator's permission was for the address it saw). `unstated` is
    /// the value when the body says nothing.
    static func privateNetworkFlag(requested: Bool?, unstated: Bool, stored: Bool?, movesAddress: Bool, superAdmin: Bool,
                                   field: String) throws(GatewayError) -> Bool {
        var flag = unstated
        if let requested {
            guard !requested || superAdmin || (requested == stored && !movesAddress) else {
                throw GatewayError.permissionDenied("super-admin (\(field))")
            }
            flag = requested
        }
        return movesAddress && !superAdmin ? false : flag
    }
}

extension ProviderRecord {
    /// The settings-key prefix of a voice mapping (`voice:alloy`).
    static let voicePrefix = "voice:"

    /// The voice mappings among the settings.
    var voices: [String: String] {
        var result: [String: String] = [:]
        for (key, id) in settings where key.hasPrefix(Self.voicePrefix) { result[String(key.dropFirst(Self.voicePrefix.count))] = id }
        return result
    }

    /// What a whole replacement (`PUT`) keeps when the body omits it: the write-only secrets.
    var keepingSecretsOnly: ProviderRecord {
        ProviderRecord(id: id, tenantID: tenantID, type: type, name: id, encryptedAPIKey: encryptedAPIKey, encryptedHeaders: encryptedHeaders,
                       headerNames: headerNames, baseURL: "", createdAt: createdAt, updatedAt: updatedAt)
    }
}
