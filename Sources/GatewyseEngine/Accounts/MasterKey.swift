import Crypto
import Foundation
import GatewyseCore
#if canImport(Glibc)
import Glibc
#endif

/// The gateway's one root secret (32 bytes), from which every other key is derived with
/// HKDF-SHA256 under its own label: replicas that share the master key agree on the JWT signing
/// key and can read each other's encrypted credentials, and no derived key reveals another.
///
/// Where it comes from (`load`): `GATEWYSE_MASTER_KEY` (base64), else `GATEWYSE_MASTER_KEY_FILE`,
/// else — on the embedded default only — `<data dir>/master.key`, generated with mode 0600 at first
/// start. A shared database (PostgreSQL) with no key configured refuses to start: replicas that
/// each generated their own key would reject each other's sessions and credentials.
public struct MasterKey: Sendable {
    public static let byteCount = 32
    public static let environmentVariable = "GATEWYSE_MASTER_KEY"
    public static let fileVariable = "GATEWYSE_MASTER_KEY_FILE"
    public static let fileName = "master.key"

    private let key: SymmetricKey

    /// Exactly 32 bytes.
    public init(bytes: [UInt8]) throws(MasterKeyError) {
        guard bytes.count == Self.byteCount else { throw .wrongLength(bytes.count) }
        key = SymmetricKey(data: bytes)
    }

    /// A fresh random key: for an in-memory database (lost at exit like everything else) and tests.
    public static func random() -> MasterKey {
        try! MasterKey(bytes: randomBytes(byteCount))
    }

    /// The sub-key for one purpose. Labels are fixed forever: changing one changes the key.
    public func derive(_ purpose: Purpose) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, salt: Array("gatewyse-master-key".utf8),
                               info: Array(purpose.rawValue.utf8), outputByteCount: 32)
    }

    /// The sub-key for one purpose and one subject (a tenant): `info` is the purpose's label,
    /// a NUL byte (which no label or tenant id contains, so no two pairs collide), then the subject.
    public func derive(_ purpose: Purpose, subject: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, salt: Array("gatewyse-master-key".utf8),
                               info: Array(purpose.rawValue.utf8) + [0] + Array(subject.utf8), outputByteCount: 32)
    }

    /// The HKDF info labels of the derived keys.
    public enum Purpose: String, Sendable, CaseIterable {
        /// HS256 key of admin access tokens.
        case accessTokenSigning = "gatewyse/v1/access-token-signing"
        /// AES-256-GCM key of stored provider credentials.
        case credentialEncryption = "gatewyse/v1/credential-encryption"
        /// HMAC-SHA256 key of a tenant's budget-alert webhooks (with the tenant id as subject).
        case webhookSigning = "gatewyse/v1/webhook-signing"
        /// AES-256-GCM key of the single sign-on state a browser carries between the start of
        /// a sign-in and the identity provider's callback.
        case ssoState = "gatewyse/v1/sso-state"
    }

    /// The base64 text of a key, as `GATEWYSE_MASTER_KEY` and `master.key` hold it.
    public static func encode(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    static func decode(_ text: String, source: String) throws(MasterKeyError) -> MasterKey {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let data = Data(base64Encoded: trimmed) else { throw .notBase64(source) }
        do { return try MasterKey(bytes: Array(data)) } catch { throw .wrongLengthIn(source, data.count) }
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in generator.next() }
    }
}

// MARK: - Loading

extension MasterKey {
    /// Where a gateway without a configured key keeps one.
    public enum Fallback: Sendable, Equatable {
        /// The embedded default: `<directory>/master.key`, created at first start.
        case file(directory: String)
        /// An in-memory database: a key for this process only.
        case ephemeral
        /// A database other processes share (PostgreSQL): a key must be configured.
        case refuse(reason: String)
    }

    /// The fallback for a database location: the SQLite file's directory, a process key for
    /// `memory:`. A shared database refuses: replicas that each generated their own key could not
    /// read one another's credentials.
    public static func fallback(for database: DatabaseLocation) -> Fallback {
        switch database {
        case .sqlite(let path):
            let directory = (path as NSString).deletingLastPathComponent
            return .file(directory: directory.isEmpty ? "." : directory)
        case .memory:
            return .ephemeral
        case .postgres:
            return .refuse(reason: "a PostgreSQL database is shared by every replica: set \(environmentVariable) (the same key on each) or master_key_file")
        }
    }

    /// How the key was obtained, for the startup log (never the key).
    public enum Origin: Sendable, Equatable {
        case environment
        case file(path: String)
        case generated(path: String)
        case ephemeral
    }

    /// The key from the environment, the key file, or the fallback (see the type's comment).
    public static func load(environment: [String: String], fallback: Fallback) throws(MasterKeyError) -> (key: MasterKey, origin: Origin) {
        if let text = environment[environmentVariable], !text.isEmpty {
            return (try decode(text, source: environmentVariable), .environment)
        }
        if let path = environment[fileVariable], !path.isEmpty {
            return (try read(path: path, source: "\(fileVariable) (\(path))"), .file(path: path))
        }
        switch fallback {
        case .ephemeral:
            return (random(), .ephemeral)
        case .refuse(let reason):
            throw .notConfigured(reason)
        case .file(let directory):
            let path = directory.hasSuffix("/") ? directory + fileName : directory + "/" + fileName
            if FileManager.default.fileExists(atPath: path) { return (try read(path: path, source: path), .file(path: path)) }
            return try create(path: path, directory: directory)
        }
    }

    static func read(path: String, source: String) throws(MasterKeyError) -> MasterKey {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path) }
        return try decode(String(decoding: data, as: UTF8.self), source: source)
    }

    /// Writes a new key to a temporary file (0600) and links it into place: `link` fails when
    /// another process got there first, and then that process's key is read instead. No reader
    /// ever sees a half-written key.
    static func create(path: String, directory: String) throws(MasterKeyError) -> (key: MasterKey, origin: Origin) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw .unwritable(directory, "\(error)")
        }
        let bytes = randomBytes(byteCount)
        let temporary = try writeTemporary(encode(bytes), beside: path)
        defer { unlink(temporary) }
        if link(temporary, path) != 0 {
            guard errno == EEXIST else { throw .unwritable(path, String(cString: strerror(errno))) }
            return (try read(path: path, source: path), .file(path: path))
        }
        return (try MasterKey(bytes: bytes), .generated(path: path))
    }

    /// Writes a key's text to a new file beside `path` (mode 0600, flushed to disk) and returns
    /// its path, for the caller to link or rename into place: no reader ever sees half a key.
    static func writeTemporary(_ text: String, beside path: String) throws(MasterKeyError) -> String {
        let temporary = path + ".tmp-" + IDGenerator.hex(bytes: 6)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw .unwritable(temporary, String(cString: strerror(errno))) }
        let bytes = Array((text + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        let errorText = String(cString: strerror(errno))
        close(descriptor)
        guard written == bytes.count, synced else {
            unlink(temporary)
            throw .unwritable(temporary, errorText)
        }
        return temporary
    }
}

public enum MasterKeyError: Error, Equatable, CustomStringConvertible {
    case wrongLength(Int)
    case wrongLengthIn(String, Int)
    case notBase64(String)
    case unreadable(String)
    case unwritable(String, String)
    case notConfigured(String)

    public var description: String {
        switch self {
        case .wrongLength(let count):
            "the master key must be \(MasterKey.byteCount) bytes, got \(count)"
        case .wrongLengthIn(let source, let count):
            "\(source): the master key must be \(MasterKey.byteCount) bytes (base64), got \(count)"
        case .notBase64(let source):
            "\(source): the master key is not base64 (make one with: openssl rand -base64 32)"
        case .unreadable(let path):
            "cannot read the master key file '\(path)'"
        case .unwritable(let path, let reason):
            "cannot create the master key file '\(path)': \(reason)"
        case .notConfigured(let reason):
            "no master key configured: \(reason). Set \(MasterKey.environmentVariable) (base64 of 32 bytes, e.g. "
                + "openssl rand -base64 32) or \(MasterKey.fileVariable), the same on every replica"
        }
    }
}
