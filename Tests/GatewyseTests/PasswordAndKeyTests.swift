import Foundation
@testable import GatewyseEngine
import GatewyseCore
import GatewyseStorage
import Testing

@Suite("Passwords, master key, credential cipher")
struct PasswordAndKeyTests {
    @Test("Argon2id with OWASP parameters: PHC string, salted, verified, always on the blocking-work runner")
    func hasher() async throws {
        let runner = CountingWorkRunner()
        let hasher = PasswordHasher(runner: runner)
        let hash = try await hasher.hash("Correct-Horse-9-Battery")
        #expect(hash.hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$"))
        #expect(try await hasher.verify("Correct-Horse-9-Battery", against: hash))
        #expect(try await !hasher.verify("correct-Horse-9-Battery", against: hash))
        #expect(try await hasher.hash("Correct-Horse-9-Battery") != hash)
        #expect(try await !hasher.verify("x", against: "not a hash"))
        #expect(try await !hasher.verify("x", against: "$argon2i$v=19$m=16,t=2,p=1$c2FsdHNhbHQ$aGFzaA"))
        #expect(runner.calls.load(ordering: .relaxed) == 6)
        await #expect(throws: PasswordHashingError.tooLong) {
            _ = try await hasher.hash(String(repeating: "a", count: PasswordHasher.maximumPasswordBytes + 1))
        }
    }

    @Test("the password policy: 12 characters with upper, lower, digit and symbol, else INVALID_FIELD naming the field")
    func policy() throws {
        try PasswordPolicy.check("Abcdefgh-123", field: "password")
        try PasswordPolicy.check("Ünïcödé€ 2 wörds", field: "password")
        for weak in ["Abc-123", "abcdefgh-123", "ABCDEFGH-123", "Abcdefgh-xyz", "Abcdefgh1234", ""] {
            #expect(throws: GatewayError.self) { try PasswordPolicy.check(weak, field: "newPassword") }
            do {
                try PasswordPolicy.check(weak, field: "newPassword")
            } catch {
                #expect(error.code == "INVALID_FIELD")
                #expect(error.param == "newPassword")
                #expect(error.status == 400)
                #expect(weak.isEmpty || !error.message.contains(weak))
            }
        }
        for _ in 0..<50 { #expect(PasswordPolicy.problems(with: PasswordPolicy.generate()).isEmpty) }
    }

    @Test("AES-256-GCM credentials: v1 format, bound to the tenant, tamper-evident")
    func cipher() throws {
        let key = MasterKey.random()
        let cipher = CredentialCipher(masterKey: key)
        let blob = try cipher.encrypt("sk-live-123", tenantID: "acme")
        #expect(blob.hasPrefix("v1:"))
        #expect(!blob.contains("sk-live"))
        #expect(Data(base64Encoded: String(blob.dropFirst(3)))!.count == 12 + 11 + 16)
        #expect(try cipher.encrypt("sk-live-123", tenantID: "acme") != blob)
        #expect(try cipher.decrypt(blob, tenantID: "acme") == "sk-live-123")
        #expect(throws: CredentialCipherError.corrupt) { try cipher.decrypt(blob, tenantID: "globex") }
        #expect(throws: CredentialCipherError.corrupt) { try CredentialCipher(masterKey: .random()).decrypt(blob, tenantID: "acme") }
        var bytes = Array(Data(base64Encoded: String(blob.dropFirst(3)))!)
        bytes[14] ^= 1
        #expect(throws: CredentialCipherError.corrupt) { try cipher.decrypt("v1:" + Data(bytes).base64EncodedString(), tenantID: "acme") }
        #expect(throws: CredentialCipherError.unknownFormat) { try cipher.decrypt("v2:" + blob.dropFirst(3), tenantID: "acme") }
        #expect(throws: CredentialCipherError.unknownFormat) { try cipher.decrypt("v1:***", tenantID: "acme") }
        #expect(throws: CredentialCipherError.corrupt) { try cipher.decrypt("v1:AAAA", tenantID: "acme") }
    }

    @Test("the master key: from the environment, derived per purpose, refused when malformed or missing on a shared database")
    func masterKeyEnvironment() throws {
        let bytes = (0..<32).map { UInt8($0) }
        let (key, origin) = try MasterKey.load(environment: ["GATEWYSE_MASTER_KEY": MasterKey.encode(bytes)], fallback: .refuse(reason: "shared"))
        #expect(origin == .environment)
        let again = try MasterKey(bytes: bytes)
        #expect(key.derive(.accessTokenSigning) == again.derive(.accessTokenSigning))
        #expect(key.derive(.accessTokenSigning) != key.derive(.credentialEncryption))
        #expect(key.derive(.accessTokenSigning) != MasterKey.random().derive(.accessTokenSigning))
        #expect(throws: MasterKeyError.self) {
            try MasterKey.load(environment: ["GATEWYSE_MASTER_KEY": MasterKey.encode(Array(bytes.prefix(16)))], fallback: .ephemeral)
        }
        #expect(throws: MasterKeyError.notBase64("GATEWYSE_MASTER_KEY")) {
            try MasterKey.load(environment: ["GATEWYSE_MASTER_KEY": "not base64!"], fallback: .ephemeral)
        }
        do {
            _ = try MasterKey.load(environment: [:], fallback: .refuse(reason: "PostgreSQL is shared by every replica"))
            Issue.record("a shared database without a key must refuse to start")
        } catch {
            #expect(error.description.contains("GATEWYSE_MASTER_KEY"))
            #expect(error.description.contains("PostgreSQL"))
        }
        #expect(try MasterKey.load(environment: [:], fallback: MasterKey.fallback(for: .memory)).origin == .ephemeral)
        #expect(MasterKey.fallback(for: .sqlite(path: "./data/gatewyse.sqlite")) == .file(directory: "./data"))
        #expect(MasterKey.fallback(for: .sqlite(path: "gatewyse.sqlite")) == .file(directory: "."))
    }

    @Test("the embedded default generates <data dir>/master.key with mode 0600 once, and reads it back")
    func masterKeyFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gw-key-\(UUID().uuidString)/data").path
        defer { try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent) }
        let first = try MasterKey.load(environment: [:], fallback: .file(directory: directory))
        let path = directory + "/master.key"
        #expect(first.origin == .generated(path: path))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines))?.count == 32)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["master.key"])
        let second = try MasterKey.load(environment: [:], fallback: .file(directory: directory))
        #expect(second.origin == .file(path: path))
        #expect(second.key.derive(.accessTokenSigning) == first.key.derive(.accessTokenSigning))
        let viaVariable = try MasterKey.load(environment: ["GATEWYSE_MASTER_KEY_FILE": path], fallback: .refuse(reason: "shared"))
        #expect(viaVariable.key.derive(.credentialEncryption) == first.key.derive(.credentialEncryption))
        #expect(throws: MasterKeyError.unreadable(directory + "/missing.key")) {
            try MasterKey.load(environment: ["GATEWYSE_MASTER_KEY_FILE": directory + "/missing.key"], fallback: .ephemeral)
        }
    }
}
