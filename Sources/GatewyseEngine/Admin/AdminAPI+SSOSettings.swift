import GatewyseCore
import GatewyseStorage

/// The `sso` part of a tenant's settings (admin-api.md §4 `settings`, decisions/0022). The
/// client secret is write-only and stored encrypted; a write that omits it keeps the stored one
/// (it cannot be read back to send again), `null` removes it.
extension AdminAPI {
    static let ssoFields: Set<String> = ["provider", "issuerUrl", "clientId", "clientSecret", "scopes", "enabled", "defaultRole",
                                         "allowedDomains", "allowPrivateNetwork"]

    /// The tenant's single sign-on after this write: nil when `sso` is null, the stored one
    /// when the body has no `sso`. `allowPrivateNetwork` follows providers' rule (admin-api.md
    /// §4): only a super-admin may turn it on, since the gateway itself fetches the issuer's
    /// discovery document and keys from that address.
    func readSSO(_ body: FieldReader, tenantID: String, stored: TenantSSO?, superAdmin: Bool) async throws -> TenantSSO? {
        guard body.has("sso") else { return stored }
        guard let fields = try body.nested("sso", allowed: Self.ssoFields) else { return nil }
        guard tenantID != SystemScope.tenantID else {
            throw GatewayError.invalidField("sso", "Single sign-on belongs to a tenant: send X-Tenant-ID.")
        }
        let issuer = try fields.string("issuerUrl") ?? stored?.issuerURL
        let clientID = try fields.string("clientId") ?? stored?.clientID
        guard let issuer, !issuer.isEmpty else { throw GatewayError.invalidField("sso.issuerUrl", "'sso.issuerUrl' is required.") }
        guard let clientID, !clientID.isEmpty, clientID.utf8.count <= 512 else {
            throw GatewayError.invalidField("sso.clientId", "'sso.clientId' is required (at most 512 bytes).")
        }
        var sso = TenantSSO(issuerURL: issuer, clientID: clientID)
        if let stored {
            sso = stored
            sso.issuerURL = issuer
            sso.clientID = clientID
        }
        if let provider = try fields.choice("provider", TenantSSO.Provider.allCases.map(\.rawValue)) {
            sso.provider = TenantSSO.Provider(rawValue: provider)!
        }
        sso.allowPrivateNetwork = try Self.privateNetworkFlag(requested: try fields.bool("allowPrivateNetwork"), unstated: sso.allowPrivateNetwork,
                                                              stored: stored?.allowPrivateNetwork, movesAddress: issuer != stored?.issuerURL,
                                                              superAdmin: superAdmin, field: "sso.allowPrivateNetwork")
        if let problem = UpstreamURLPolicy.problem(withEndpoint: issuer, allowPrivate: sso.allowPrivateNetwork) {
            throw GatewayError.invalidField("sso.issuerUrl", problem)
        }
        if fields.has("clientSecret") {
            let secret = try fields.string("clientSecret")
            if let secret, secret.contains(where: \.isNewline) || secret.utf8.count > 4096 {
                throw GatewayError.invalidField("sso.clientSecret", "'sso.clientSecret' must be one line of at most 4096 bytes.")
            }
            sso.clientSecret = try secret.map { try credentials.encrypt($0, tenantID: tenantID) }
        }
        if let scopes = try fields.strings("scopes") {
            guard scopes.contains("openid") else { throw GatewayError.invalidField("sso.scopes", "'sso.scopes' must include 'openid'.") }
            for (i, scope) in scopes.enumerated() where scope.isEmpty || scope.contains(where: { $0 == " " || !$0.isASCII || $0.isNewline }) {
                throw GatewayError.invalidField("sso.scopes[\(i)]", "A scope is one word of printable ASCII.")
            }
            sso.scopes = uniqued(scopes)
        }
        if let enabled = try fields.bool("enabled") { sso.enabled = enabled }
        if let role = try fields.string("defaultRole") {
            let custom = try await store.everything(RoleRecord.self, tenantID: tenantID).map(\.id)
            guard role != BuiltInRole.superAdmin.rawValue, BuiltInRole(rawValue: role) != nil || custom.contains(role) else {
                throw GatewayError.invalidField("sso.defaultRole", "No role '\(role)' a tenant's user may hold.")
            }
            sso.defaultRole = role
        }
        if let domains = try fields.strings("allowedDomains") {
            for (i, domain) in domains.enumerated() where domain.isEmpty || domain.contains("@") || domain.contains(" ") {
                throw GatewayError.invalidField("sso.allowedDomains[\(i)]", "A domain, such as example.com.")
            }
            sso.allowedDomains = uniqued(domains.map { $0.lowercased() })
        }
        return sso
    }

    func render(_ sso: TenantSSO?, tenantID: String) -> JSONValue {
        guard let sso else { return .null }
        let callback = configuration.accounts.ssoCallbackBaseURL.map { JSONValue.string($0 + SSOService.callbackPath) } ?? .null
        return .object(JSONObject([
            ("provider", .string(sso.provider.rawValue)), ("issuerUrl", .string(sso.issuerURL)), ("clientId", .string(sso.clientID)),
            ("hasClientSecret", .bool(sso.clientSecret != nil)), ("scopes", .strings(sso.scopes)), ("enabled", .bool(sso.enabled)),
            ("defaultRole", .string(sso.defaultRole)), ("allowedDomains", .strings(sso.allowedDomains)),
            ("allowPrivateNetwork", .bool(sso.allowPrivateNetwork)),
            ("startUrl", .string("/api/auth/sso/\(tenantID)/start")), ("callbackUrl", callback),
        ]))
    }
}
