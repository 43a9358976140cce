import Foundation
import GatewyseCore
import GatewyseStorage

/// `gatewyse keys rotate-master`: every stored credential re-encrypted under a new master key in
/// one commit, audited on the system chain. All or nothing: a credential the current key cannot
/// decrypt stops the rotation before anything is written.
public enum MasterKeyRotation {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Re-encrypts every provider's API key and headers; returns how many providers changed.
    @discardableResult
    public static func reencrypt(store: any ControlPlaneStore, from old: MasterKey, to new: MasterKey, now: Int64 = UnixClock.now()) async throws -> Int {
        let oldCipher = CredentialCipher(masterKey: old)
        let newCipher = CredentialCipher(masterKey: new)
        var changes: [ResourceChange] = []
        for stored in try await store.listAll(.provider) {
            var record = try ProviderRecord(stored: stored)
            guard record.encryptedAPIKey != nil || record.encryptedHeaders != nil else { continue }
            do {
                record.encryptedAPIKey = try record.encryptedAPIKey.map { try newCipher.encrypt(try oldCipher.decrypt($0, tenantID: record.tenantID), tenantID: record.tenantID) }
                record.encryptedHeaders = try record.encryptedHeaders.map { try newCipher.encrypt(try oldCipher.decrypt($0, tenantID: record.tenantID), tenantID: record.tenantID) }
            } catch {
                throw Failure(description: "the credentials of provider '\(record.id)' (tenant '\(record.tenantID)') do not decrypt with the current master key; nothing was changed")
            }
            changes.append(try .update(record, at: now))
        }
        try await store.commit(changes, audit: [AuditDraft(
            tenantID: SystemScope.tenantID, time: now * 1000, actorID: "system", actorType: .system, action: "master_key.rotate",
            targetType: "master_key", targetID: "master", summary: "re-encrypted the credentials of \(changes.count) provider(s) under a new master key")])
        return changes.count
    }

    /// A new key's bytes and their base64 text (what `GATEWYSE_MASTER_KEY` holds).
    public static func newKey() -> (key: MasterKey, text: String) {
        let bytes = MasterKey.randomBytes(MasterKey.byteCount)
        return (try! MasterKey(bytes: bytes), MasterKey.encode(bytes))
    }

    /// Writes `text` to `path` with mode 0600 through a temporary file renamed into place.
    public static func writeKeyFile(_ text: String, to path: String) throws {
        let temporary = try MasterKey.writeTemporary(text, beside: path)
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw Failure(description: "cannot write \(path): \(reason)")
        }
    }
}
