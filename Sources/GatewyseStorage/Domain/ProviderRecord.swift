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
    /// What the account says of its free tier (the admin API's `freeTier`). Nil says nothing:
    /// the catalog's default for the type applies, as for a configuration file provider without
    /// `free_tier`; documents stored before the field existed decode as nil, which is what their
    /// providers had.
    public var freeTier: FreeTier?
    public var createdAt: Int64
    public var updatedAt: Int64

    /// Provider ids are unique across the deployment (health, free tier and logs are keyed by
    /// them): the store enforces it, so two replicas creating one id at once cannot both win.
    public var uniqueKey: String? { Self.uniqueKey(id: id) }

    public static func uniqueKey(id: String) -> String { "provider:" + id }

    public init(id: String, tenantID: String, type: String, name: String, encryptedAPIKey: String? = nil, encryptedHeaders: String? = nil,
                headerNames: [String] = [], baseURL: String, models: [String] = [], enabled: Bool = true, allowPrivateNetwork: Bool = false,
                settings: [String: String] = [:], freeTier: FreeTier? = nil, createdAt: Int64, updatedAt: Int64) {
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
        self.freeTier = freeTier
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

extension ProviderRecord {
    /// A provider's stated free tier, mirroring the configuration file's `providers[].free_tier`:
    /// none (`false`), or the limits that replace the catalog's default. Stored as the API
    /// writes it, `false` or an object of limits, so the document reads like the answer.
    public enum FreeTier: Sendable, Equatable, Codable {
        /// No free tier: every call is paid, whatever the catalog says of the type.
        case none
        case limits(FreeTierLimits)

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let flag = try? container.decode(Bool.self) {
                guard !flag else {
                    throw DecodingError.dataCorruptedError(in: container, debugDescription: "a free tier is false or an object of limits")
                }
                self = .none
            } else {
                self = .limits(try container.decode(FreeTierLimits.self))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .none: try container.encode(false)
            case .limits(let limits): try container.encode(limits)
            }
        }
    }

    /// A declared free quota: at most so many requests or tokens per UTC minute, hour, day or
    /// month, every limit at once. Nil limits are not declared.
    public struct FreeTierLimits: Sendable, Equatable, Codable {
        public var requestsPerMinute: Int?
        public var requestsPerHour: Int?
        public var requestsPerDay: Int?
        public var requestsPerMonth: Int?
        public var tokensPerMinute: Int?
        public var tokensPerHour: Int?
        public var tokensPerDay: Int?
        public var tokensPerMonth: Int?

        public init(requestsPerMinute: Int? = nil, requestsPerHour: Int? = nil, requestsPerDay: Int? = nil, requestsPerMonth: Int? = nil,
                    tokensPerMinute: Int? = nil, tokensPerHour: Int? = nil, tokensPerDay: Int? = nil, tokensPerMonth: Int? = nil) {
            self.requestsPerMinute = requestsPerMinute
            self.requestsPerHour = requestsPerHour
            self.requestsPerDay = requestsPerDay
            self.requestsPerMonth = requestsPerMonth
            self.tokensPerMinute = tokensPerMinute
            self.tokensPerHour = tokensPerHour
            self.tokensPerDay = tokensPerDay
            self.tokensPerMonth = tokensPerMonth
        }
    }
}
