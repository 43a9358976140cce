import GatewyseCore

/// A provider added through the admin API: a tenant's own, or a shared one (system scope) that
/// the operator offers every tenant. Its API key and headers are stored encrypted
/// (`CredentialCipher`, `v1:`, the tenant id as associated data): the store never holds them in
/// clear, and a ciphertext moved to another tenant's row does not decrypt.
public struct ProviderRecord: DomainResource {
    public static let kind = ResourceKind.provider
    public var id: String
    public var tenantID: String
    public var type: String
    public var name: String
    /// `v1:…`, or nil for a provider that needs no key (self-hosted).
    public var encryptedAPIKey: String?
    /// `v1:…` of a JSON object of header names to values, or nil.
    public var encryptedHeaders: String?
    /// Header names only, to show without decrypting.
    public var headerNames: [String]
    public var baseURL: String
    public var models: [String]
    public var enabled: Bool
    public var allowPrivateNetwork: Bool
    /// Provider-specific settings (`apiVersion`, `region`).
    public var settings: [String: String]
    public var createdAt: Int64
    public var updatedAt: Int64

    /// Provider ids are unique across the deployment (health, free tier and logs are keyed by
    /// them): the store enforces it, so two replicas creating one id at once cannot both win.
    public var uniqueKey: String? { Self.uniqueKey(id: id) }

    public static func uniqueKey(id: String) -> String { "provider:" + id }

    public init(id: String, tenantID: String, type: String, name: String, encryptedAPIKey: String? = nil, encryptedHeaders: String? = nil,
                headerNames: [String] = [], baseURL: String, models: [String] = [], enabled: Bool = true, allowPrivateNetwork: Bool = false,
                settings: [String: String] = [:], createdAt: Int64, updatedAt: Int64) {
        self.id = id
        self.tenantID = tenantID
        self.type = type
        self.name = name
        self.encryptedAPIKey = encryptedAPIKey
        self.encryptedHeaders = encryptedHeaders
        self.headerNames = headerNames
        self.baseURL = baseURL
        self.models = models
        self.enabled = enabled
        self.allowPrivateNetwork = allowPrivateNetwork
        self.settings = settings
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
