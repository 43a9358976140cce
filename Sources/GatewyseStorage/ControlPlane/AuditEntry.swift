import Crypto
import GatewyseCore

/// Who did something: a signed-in user, an API key, or the gateway itself (bootstrap, CLI).
public enum ActorType: String, Sendable, Codable {
    case user
    case apiKey = "api_key"
    case system
}

/// An audit entry before the store chains it: the store assigns the sequence and the hashes
/// inside the transaction that commits the change it describes.
public struct AuditDraft: Sendable, Equatable {
    /// The tenant the action concerns; `SystemScope.tenantID` for the system chain.
    public var tenantID: String
    /// Unix milliseconds.
    public var time: Int64
    /// Always the authenticated principal (or `system`), never a value a client sent.
    public var actorID: String
    public var actorType: ActorType
    /// `resource.verb` (`key.create`, `auth.login_failed`).
    public var action: String
    public var targetType: String
    public var targetID: String
    /// Human-readable, never a secret.
    public var summary: String

    public init(tenantID: String, time: Int64, actorID: String, actorType: ActorType, action: String,
                targetType: String, targetID: String, summary: String) {
        self.tenantID = tenantID
        self.time = time
        self.actorID = actorID
        self.actorType = actorType
        self.action = action
        self.targetType = targetType
        self.targetID = targetID
        self.summary = summary
    }

    /// The chain this entry joins: one per tenant, plus `system`.
    public var chain: String { AuditChain.name(tenantID: tenantID) }
}

/// An audit entry as stored (admin-api.md §5): `hash = SHA-256(previousHash ‖ canonical JSON of
/// the entry)`, hex, so that changing, removing or reordering any entry breaks every later hash.
public struct AuditEntry: Sendable, Equatable {
    public var chain: String
    public var sequence: Int64
    /// RFC 3339 UTC with milliseconds (text, so the hashed bytes never depend on a clock type).
    public var time: String
    public var tenantID: String
    public var actorID: String
    public var actorType: String
    public var action: String
    public var targetType: String
    public var targetID: String
    public var summary: String
    public var previousHash: String
    public var hash: String

    public init(chain: String, sequence: Int64, time: String, tenantID: String, actorID: String, actorType: String, action: String,
                targetType: String, targetID: String, summary: String, previousHash: String, hash: String) {
        self.chain = chain
        self.sequence = sequence
        self.time = time
        self.tenantID = tenantID
        self.actorID = actorID
        self.actorType = actorType
        self.action = action
        self.targetType = targetType
        self.targetID = targetID
        self.summary = summary
        self.previousHash = previousHash
        self.hash = hash
    }

    /// Chains a draft after the entry `previous` (nil: the chain's first entry).
    public init(draft: AuditDraft, after previous: (sequence: Int64, hash: String)?) {
        self.init(chain: draft.chain, sequence: (previous?.sequence ?? 0) + 1, time: Timestamp.rfc3339(milliseconds: draft.time),
                  tenantID: draft.tenantID, actorID: draft.actorID, actorType: draft.actorType.rawValue, action: draft.action,
                  targetType: draft.targetType, targetID: draft.targetID, summary: draft.summary,
                  previousHash: previous?.hash ?? AuditChain.genesisHash, hash: "")
        hash = computedHash
    }

    /// The entry's fields in canonical JSON: keys sorted, no whitespace, strings escaped as
    /// `JSONWriter` does. Everything but the two hashes (the previous one is hashed in front).
    public var canonicalJSON: [UInt8] {
        let fields: [(String, JSONValue)] = [
            ("action", .string(action)), ("actorId", .string(actorID)), ("actorType", .string(actorType)),
            ("chain", .string(chain)), ("sequence", .int(Int(sequence))), ("summary", .string(summary)),
            ("targetId", .string(targetID)), ("targetType", .string(targetType)),
            ("tenantId", tenantID == SystemScope.tenantID ? .null : .string(tenantID)), ("time", .string(time)),
        ]
        return JSONWriter.bytes(.object(JSONObject(fields)), capacity: 256)
    }

    /// What `hash` must be for this entry's fields and `previousHash`.
    public var computedHash: String {
        var hasher = SHA256()
        hasher.update(data: Array(previousHash.utf8))
        hasher.update(data: canonicalJSON)
        return Array(hasher.finalize()).hexString
    }
}

/// Chain names and verification.
public enum AuditChain {
    public static let system = "system"
    /// The `previousHash` of a chain's first entry.
    public static let genesisHash = String(repeating: "0", count: 64)

    public static func name(tenantID: String) -> String {
        tenantID == SystemScope.tenantID ? system : tenantID
    }

    /// The outcome of recomputing a chain.
    public struct Verification: Sendable, Equatable {
        public var chain: String
        public var valid: Bool
        public var checked: Int
        /// The first entry whose hash, link or sequence is wrong.
        public var firstBrokenSequence: Int64?
    }

    /// Recomputes every hash in order: an entry is broken when its sequence is not the next
    /// one, its `previousHash` is not the previous entry's hash, or its `hash` does not match
    /// its own fields.
    public static func verify(chain: String, entries: some Sequence<AuditEntry>) -> Verification {
        var previous: (sequence: Int64, hash: String) = (0, genesisHash)
        var checked = 0
        for entry in entries {
            checked += 1
            if entry.sequence != previous.sequence + 1 || entry.previousHash != previous.hash || entry.hash != entry.computedHash
                || entry.chain != chain {
                return Verification(chain: chain, valid: false, checked: checked, firstBrokenSequence: entry.sequence)
            }
            previous = (entry.sequence, entry.hash)
        }
        return Verification(chain: chain, valid: true, checked: checked, firstBrokenSequence: nil)
    }
}
