import Crypto
import GatewyseCore

/// Signs budget-alert webhooks (decisions/0014). Each tenant has its own secret, derived from
/// the master key with the tenant id (HKDF, `MasterKey.Purpose.webhookSigning`): every replica
/// computes the same one without storing it, and one tenant's secret says nothing about
/// another's. A master-key rotation changes every tenant's secret.
///
/// The header is `X-Gatewyse-Signature: t=<unix seconds>,v1=<hex>` where `<hex>` is
/// HMAC-SHA256, keyed with the secret's UTF-8 text, over `"<t>." + body` — the exact body bytes
/// sent. The timestamp is signed too, so a receiver that refuses old timestamps refuses a
/// replayed request.
public struct WebhookSigner: Sendable {
    public static let header = "X-Gatewyse-Signature"
    public static let secretPrefix = "whsec_"

    private let masterKey: MasterKey

    public init(masterKey: MasterKey) {
        self.masterKey = masterKey
    }

    /// The tenant's signing secret as its admins read it (`GET /api/admin/budgets/webhook-secret`).
    public func secret(tenantID: String) -> Secret {
        let key = masterKey.derive(.webhookSigning, subject: tenantID)
        return Secret(Self.secretPrefix + key.withUnsafeBytes { Array($0) }.hexString)
    }

    /// The signature header's value for `body` sent at `time` (Unix seconds).
    public func signature(tenantID: String, body: [UInt8], time: Int64) -> String {
        Self.signature(secret: secret(tenantID: tenantID), body: body, time: time)
    }

    /// What a receiver computes to verify (README: "Budget alert webhooks").
    public static func signature(secret: Secret, body: [UInt8], time: Int64) -> String {
        let key = SymmetricKey(data: Array(secret.revealed.utf8))
        var message = Array("\(time).".utf8)
        message.append(contentsOf: body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: key)
        return "t=\(time),v1=\(Array(mac).hexString)"
    }
}
