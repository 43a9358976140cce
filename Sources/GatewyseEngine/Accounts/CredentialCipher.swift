import Crypto
import Foundation

/// Encrypts stored credentials (provider API keys) with AES-256-GCM under a key derived from the
/// master key, binding each to its tenant: the tenant id is the associated data, so a blob copied
/// into another tenant's record does not decrypt. Format: `v1:` + base64(nonce ‖ ciphertext ‖ tag),
/// a 12-byte random nonce per encryption.
public struct CredentialCipher: Sendable {
    public static let prefix = "v1:"
    private let key: SymmetricKey

    public init(masterKey: MasterKey) {
        key = masterKey.derive(.credentialEncryption)
    }

    public func encrypt(_ plaintext: String, tenantID: String) throws -> String {
        let sealed = try AES.GCM.seal(Array(plaintext.utf8), using: key, nonce: AES.GCM.Nonce(),
                                      authenticating: Array(tenantID.utf8))
        guard let combined = sealed.combined else { throw CredentialCipherError.corrupt }
        return Self.prefix + combined.base64EncodedString()
    }

    /// The plaintext; `unknownFormat` for another prefix or bad base64, `corrupt` for a blob that
    /// was changed or belongs to another tenant (or another master key).
    public func decrypt(_ blob: String, tenantID: String) throws(CredentialCipherError) -> String {
        guard blob.hasPrefix(Self.prefix), let data = Data(base64Encoded: String(blob.dropFirst(Self.prefix.count))) else {
            throw .unknownFormat
        }
        // nonce (12) + tag (16) at least.
        guard data.count >= 28 else { throw .corrupt }
        do {
            let box = try AES.GCM.SealedBox(combined: data)
            let plaintext = try AES.GCM.open(box, using: key, authenticating: Array(tenantID.utf8))
            return String(decoding: plaintext, as: UTF8.self)
        } catch {
            throw .corrupt
        }
    }
}

public enum CredentialCipherError: Error, Equatable, CustomStringConvertible {
    case unknownFormat
    case corrupt

    public var description: String {
        switch self {
        case .unknownFormat: "the stored credential is not in a known format"
        case .corrupt: "the stored credential does not decrypt (changed, another tenant's, or another master key)"
        }
    }
}
