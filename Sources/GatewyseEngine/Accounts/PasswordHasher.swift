import CArgon2
import GatewyseCore

/// Argon2id password hashing (OWASP's recommended setting by default: 19 MiB, 2 passes, one
/// lane), stored as a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`) so that the
/// parameters travel with each hash and can be raised later without invalidating old ones.
///
/// Hashing takes tens of milliseconds of CPU and ~19 MiB of memory by design: every call runs on
/// the blocking-work thread pool (ARCHITECTURE §6), never on an event loop.
public struct PasswordHasher: Sendable {
    /// Argon2id cost parameters.
    public struct Parameters: Sendable, Equatable {
        public var memoryKiB: UInt32
        public var iterations: UInt32
        public var parallelism: UInt32
        public var saltLength: Int
        public var hashLength: Int

        public init(memoryKiB: UInt32, iterations: UInt32, parallelism: UInt32, saltLength: Int = 16, hashLength: Int = 32) {
            self.memoryKiB = memoryKiB
            self.iterations = iterations
            self.parallelism = parallelism
            self.saltLength = saltLength
            self.hashLength = hashLength
        }

        /// OWASP Password Storage Cheat Sheet, Argon2id: m=19456 KiB, t=2, p=1.
        public static let owasp = Parameters(memoryKiB: 19_456, iterations: 2, parallelism: 1)
        /// Cheap parameters for tests only: never configure them on a real gateway.
        public static let testing = Parameters(memoryKiB: 1024, iterations: 1, parallelism: 1)
    }

    /// Passwords longer than this are refused before hashing (Argon2 pre-hashes the whole input;
    /// an unbounded one is free CPU for an attacker).
    public static let maximumPasswordBytes = 1024

    public let parameters: Parameters
    private let runner: any BlockingWorkRunner

    public init(parameters: Parameters = .owasp, runner: any BlockingWorkRunner) {
        self.parameters = parameters
        self.runner = runner
    }

    /// The PHC-encoded Argon2id hash of `password`, with a fresh random salt.
    public func hash(_ password: String) async throws -> String {
        let parameters = parameters
        return try await runner.run { try Self.hashNow(password, parameters: parameters) }
    }

    /// Whether `password` matches `encoded` (argon2id_verify compares in constant time). A
    /// malformed or non-Argon2id `encoded` never matches.
    public func verify(_ password: String, against encoded: String) async throws -> Bool {
        try await runner.run { Self.verifyNow(password, against: encoded) }
    }

    // MARK: - The calls into libargon2, synchronous, for the pool's threads

    static func hashNow(_ password: String, parameters: Parameters) throws -> String {
        let passwordBytes = Array(password.utf8)
        guard passwordBytes.count <= maximumPasswordBytes else { throw PasswordHashingError.tooLong }
        var salt = [UInt8](repeating: 0, count: parameters.saltLength)
        var generator = SystemRandomNumberGenerator()
        for i in salt.indices { salt[i] = generator.next() }
        let length = argon2_encodedlen(parameters.iterations, parameters.memoryKiB, parameters.parallelism,
                                       UInt32(parameters.saltLength), UInt32(parameters.hashLength), Argon2_id)
        var encoded = [CChar](repeating: 0, count: length)
        let result = passwordBytes.withUnsafeBytes { pwd in
            argon2id_hash_encoded(parameters.iterations, parameters.memoryKiB, parameters.parallelism,
                                  pwd.baseAddress, pwd.count, salt, salt.count, parameters.hashLength, &encoded, length)
        }
        guard result == ARGON2_OK.rawValue else {
            throw PasswordHashingError.library(String(cString: argon2_error_message(result)))
        }
        return String(decoding: encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func verifyNow(_ password: String, against encoded: String) -> Bool {
        let passwordBytes = Array(password.utf8)
        guard passwordBytes.count <= maximumPasswordBytes, encoded.hasPrefix("$argon2id$") else { return false }
        return passwordBytes.withUnsafeBytes { pwd in
            argon2id_verify(encoded, pwd.baseAddress, pwd.count) == ARGON2_OK.rawValue
        }
    }
}

public enum PasswordHashingError: Error, Equatable, CustomStringConvertible {
    case tooLong
    case library(String)

    public var description: String {
        switch self {
        case .tooLong: "password longer than \(PasswordHasher.maximumPasswordBytes) bytes"
        case .library(let message): "argon2: \(message)"
        }
    }
}
