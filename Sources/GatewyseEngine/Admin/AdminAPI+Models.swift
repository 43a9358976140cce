import GatewyseCore
import GatewyseRouting
import GatewyseStorage

/// `models`: the models a provider serves, with capabilities, context window, status and token
/// prices (admin-api.md §4). A tenant's entries price its own requests to that provider and
/// model; a super-admin acting on no tenant manages the deployment-wide entries, and the
/// configuration file's `prices:` read here with `source: "config"` (409 `CONFIG_MANAGED` on
/// change). Every change reaches the request path's cost with the snapshot reload that follows
/// the commit (`ModelPricing`). `status` is recorded for the dashboard and the model list; a
/// price applies whatever the status, since a request an upstream served is billed.
///
/// An entry is addressed by its `id` (the model name, percent-encoded in the path when it holds
/// a `/`); when a tenant lists one model for several providers, `?provider=` picks one, and
/// without it the address is ambiguous (409 `CONFLICT`). Prices are USD per 1M tokens, read
/// exactly from the JSON number's (or string's) decimal text and answered as exact numbers.
extension AdminAPI {
    static let modelFields: Set<String> = ["id", "provider", "capabilities", "contextWindow", "status", "pricing"]
    static let pricingFields: Set<String> = ["inputPerMillionTokens", "outputPerMillionTokens", "cachedInputPerMillionTokens",
                                             "cacheWriteInputPerMillionTokens"]
    /// The capabilities a model entry may declare: those of the unified API.
    static let modelCapabilities = Capability.allCases.map(\.rawValue)

    func modelRoutes() -> [AdminRoute] {
        [
            AdminRoute("GET", "/api/admin/models", .modelsRead, scope: .either) { [self] request in
                let tenantID = request.principal.tenantID
                let stored = try await store.everything(ModelRecord.self, tenantID: tenantID)
                let items = stored.map { ($0.id, render($0)) } + configuredPrices(tenantID).map { ($0.address, render(configured: $0)) }
                return .ok(try AdminListing.page(items, query: request.query, filterable: ["id", "provider", "status", "capabilities", "source"]))
            },
            AdminRoute("POST", "/api/admin/models", .modelsWrite, scope: .either) { [self] request in
                let body = try FieldReader(request.body, allowed: Self.modelFields)
                let tenantID = request.principal.tenantID
                let model = try body.requiredString("id")
                if let problem = RouteResolver.unsafeUpstreamModel(model) { throw GatewayError.invalidField("id", "The model name \(problem).") }
                let provider = try body.requiredString("provider")
                let reachable = try await reachableProviderIDs(tenantID)
                guard reachable.contains(provider) else {
                    throw GatewayError.invalidField("provider", "No provider '\(provider)' (reachable: \(reachable.sorted().joined(separator: ", "))).")
                }
                let address = ModelRecord.address(provider: provider, model: model)
                if configuredPrices(tenantID).contains(where: { $0.address == address }) { throw GatewayError.configManaged("model", address) }
                var record = ModelRecord(tenantID: tenantID, model: model, provider: provider, createdAt: now, updatedAt: now)
                try apply(body, to: &record)
                do {
                    try await commit([.insert(record, at: now)], audit: [
                        request.principal.audit("model.create", targetType: "model", targetID: record.id,
                                                summary: "created model \(record.id)\(priceSummary(record))", time: nowMilliseconds),
                    ])
                } catch StoreError.duplicate {
                    throw GatewayError.conflict("Model '\(model)' of provider '\(provider)' already exists.", param: "id")
                }
                return .created(.object(render(record)))
            },
            AdminRoute("GET", "/api/admin/models/{id}", .modelsRead, scope: .either) { [self] request in
                if let configured = try configuredModel(request) { return .ok(.object(render(configured: configured))) }
                return .ok(.object(render(try await existingModel(request).resource)))
            },
            AdminRoute("PATCH", "/api/admin/models/{id}", .modelsWrite, scope: .either) { [self] request in
                if let configured = try configuredModel(request) { throw GatewayError.configManaged("model", configured.address) }
                var (record, version) = try await existingModel(request)
                let body = try FieldReader(request.body, allowed: Self.modelFields)
                if let id = try body.string("id"), id != record.model { throw GatewayError.invalidField("id", "The id of a model cannot change; create another.") }
                if let provider = try body.string("provider"), provider != record.provider {
                    throw GatewayError.invalidField("provider", "The provider of a model cannot change; create another.")
                }
                let before = render(record)
                try apply(body, to: &record)
                record.updatedAt = now
                try await commit([.update(record, at: now, expectedVersion: version)], audit: [
                    request.principal.audit("model.update", targetType: "model", targetID: record.id,
                                            summary: changeSummary(before: before, after: render(record)), time: nowMilliseconds),
                ])
                return .ok(.object(render(record)))
            },
            AdminRoute("DELETE", "/api/admin/models/{id}", .modelsWrite, scope: .either) { [self] request in
                if let configured = try configuredModel(request) { throw GatewayError.configManaged("model", configured.address) }
                let record = try await existingModel(request).resource
                try await commit([.delete(record)], audit: [
                    request.principal.audit("model.delete", targetType: "model", targetID: record.id, summary: "deleted model \(record.id)",
                                            time: nowMilliseconds),
                ])
                return .noContent
            },
        ]
    }

    /// The fields every write may set; `pricing` merges field by field (a field left out keeps
    /// its value, null removes an optional price, `pricing: null` removes the prices).
    private func apply(_ body: FieldReader, to record: inout ModelRecord) throws(GatewayError) {
        if let capabilities = try body.strings("capabilities") {
            for (i, name) in capabilities.enumerated() where !Self.modelCapabilities.contains(name) {
                throw GatewayError.invalidField("capabilities[\(i)]", "Unknown capability '\(name)' (known: \(Self.modelCapabilities.joined(separator: ", "))).")
            }
            record.capabilities = uniqued(capabilities)
        }
        if body.has("contextWindow") {
            let window = try body.count("contextWindow")
            if window == 0 { throw GatewayError.invalidField("contextWindow", "'contextWindow' must be a positive integer.") }
            record.contextWindow = window
        }
        if let status = try body.choice("status", ModelRecord.statuses) { record.status = status }
        guard body.has("pricing") else { return }
        guard let pricing = try body.nested("pricing", allowed: Self.pricingFields) else {
            record.pricing = nil
            return
        }
        let current = record.pricing?.amounts
        guard let input = try usd(pricing, "inputPerMillionTokens") ?? current?.input else {
            throw GatewayError.invalidField("pricing.inputPerMillionTokens", "'pricing.inputPerMillionTokens' is required.")
        }
        guard let output = try usd(pricing, "outputPerMillionTokens") ?? current?.output else {
            throw GatewayError.invalidField("pricing.outputPerMillionTokens", "'pricing.outputPerMillionTokens' is required.")
        }
        let cached = pricing.has("cachedInputPerMillionTokens") ? try usd(pricing, "cachedInputPerMillionTokens") : current?.cachedInput
        let write = pricing.has("cacheWriteInputPerMillionTokens") ? try usd(pricing, "cacheWriteInputPerMillionTokens") : current?.cacheWrite
        record.pricing = ModelRecord.Pricing(input: input, output: output, cachedInput: cached, cacheWrite: write)
    }

    /// A price as written: a JSON number or a string of decimal digits, read as exact `Money`
    /// from its text (never through `Double`); nil when absent or null.
    func usd(_ reader: FieldReader, _ field: String, unit: String = " per 1M tokens") throws(GatewayError) -> Money? {
        guard let value = reader.object[field], !value.isNull else { return nil }
        let text: String
        switch value {
        case .number(let lexeme): text = lexeme
        case .string(let string): text = string
        default: text = ""
        }
        guard let amount = Money(usd: text), amount >= .zero else {
            throw GatewayError.invalidField(reader.name(field),
                                            "'\(reader.name(field))' must be a non-negative USD amount\(unit) with at most 9 decimals (a number or a decimal string such as \"0.15\").")
        }
        return amount
    }

    /// The entry the path names in the caller's tenant (`?provider=` picks among several).
    private func existingModel(_ request: AdminRequest) async throws -> (resource: ModelRecord, version: Int64) {
        let tenantID = request.principal.tenantID
        let model = Self.percentDecoded(request.parameter("id"))
        if let provider = request.query["provider"] {
            return try await versioned(ModelRecord.self, "model", tenantID: tenantID, id: ModelRecord.address(provider: provider, model: model))
        }
        let matching = try await store.everything(ModelRecord.self, tenantID: tenantID).filter { $0.model == model }
        guard let only = matching.first else { throw GatewayError.resourceNotFound("model", model) }
        guard matching.count == 1 else {
            throw GatewayError.conflict("Model '\(model)' is listed for providers \(matching.map(\.provider).joined(separator: ", ")); name one with ?provider=.")
        }
        return try await versioned(ModelRecord.self, "model", tenantID: tenantID, id: only.id)
    }

    /// A configuration price the path names (system scope only, like configured providers).
    private func configuredModel(_ request: AdminRequest) throws(GatewayError) -> ConfiguredPrice? {
        let model = Self.percentDecoded(request.parameter("id"))
        let provider = request.query["provider"]
        let matching = configuredPrices(request.principal.tenantID).filter { $0.model == model && (provider == nil || $0.provider == provider) }
        guard matching.count <= 1 else {
            throw GatewayError.conflict("Model '\(model)' is configured for providers \(matching.map(\.provider).joined(separator: ", ")); name one with ?provider=.")
        }
        return matching.first
    }

    /// A `prices:` entry of the configuration file.
    struct ConfiguredPrice {
        var provider: String
        var model: String
        var price: ModelPrice
        var address: String { ModelRecord.address(provider: provider, model: model) }
    }

    private func configuredPrices(_ tenantID: String) -> [ConfiguredPrice] {
        guard tenantID == SystemScope.tenantID else { return [] }
        let providers = Set(configuration.providers.map(\.id))
        return configuration.prices.compactMap { key, price in
            // Keys are `provider/model`; the model itself may hold '/', the provider id cannot.
            guard let slash = key.firstIndex(of: "/"), providers.contains(String(key[..<slash])) else { return nil }
            return ConfiguredPrice(provider: String(key[..<slash]), model: String(key[key.index(after: slash)...]), price: price)
        }
    }

    /// `%2F` and other escapes of a path segment; the text as it is when an escape is malformed.
    static func percentDecoded(_ segment: String) -> String {
        guard segment.contains("%") else { return segment }
        var bytes: [UInt8] = []
        var iterator = Array(segment.utf8)[...]
        while let byte = iterator.popFirst() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard iterator.count >= 2, let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16) else { return segment }
            bytes.append(value)
            iterator = iterator.dropFirst(2)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func priceSummary(_ record: ModelRecord) -> String {
        guard let pricing = record.pricing else { return "" }
        return " at \(pricing.input) in / \(pricing.output) out per 1M tokens"
    }

    func render(_ record: ModelRecord) -> JSONObject {
        renderModel(model: record.model, provider: record.provider, capabilities: record.capabilities, contextWindow: record.contextWindow,
                    status: record.status, price: record.price, scope: record.tenantID == SystemScope.tenantID ? "shared" : "tenant",
                    source: "api", createdAt: .time(record.createdAt), updatedAt: .time(record.updatedAt))
    }

    private func render(configured: ConfiguredPrice) -> JSONObject {
        renderModel(model: configured.model, provider: configured.provider, capabilities: [], contextWindow: nil, status: "active",
                    price: configured.price, scope: "shared", source: "config", createdAt: .null, updatedAt: .null)
    }

    /// One shape for stored entries and configured prices. Amounts are JSON numbers written
    /// from `Money`'s exact decimal text: no float noise.
    private func renderModel(model: String, provider: String, capabilities: [String], contextWindow: Int?, status: String, price: ModelPrice?,
                             scope: String, source: String, createdAt: JSONValue, updatedAt: JSONValue) -> JSONObject {
        func amount(_ money: Money?) -> JSONValue { money.map { .number($0.description) } ?? .null }
        let pricing: JSONValue = price.map { price in
            .object(JSONObject([("inputPerMillionTokens", amount(price.inputPerMillion)), ("outputPerMillionTokens", amount(price.outputPerMillion)),
                                ("cachedInputPerMillionTokens", amount(price.cachedInputPerMillion)),
                                ("cacheWriteInputPerMillionTokens", amount(price.cacheWritePerMillion))]))
        } ?? .null
        return JSONObject([
            ("id", .string(model)), ("provider", .string(provider)), ("capabilities", .strings(capabilities)),
            ("contextWindow", contextWindow.map { .int($0) } ?? .null), ("status", .string(status)), ("pricing", pricing),
            ("scope", .string(scope)), ("source", .string(source)), ("createdAt", createdAt), ("updatedAt", updatedAt),
        ])
    }
}
