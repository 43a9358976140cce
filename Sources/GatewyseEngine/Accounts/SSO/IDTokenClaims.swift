import JWTKit

/// The claims of an OpenID Connect ID token the gateway reads (OpenID Connect Core §2, §5.1).
/// jwt-kit checks the signature; every claim is judged by `SSOService.check` against the
/// sign-in's own state and clock, so `verify(using:)` adds nothing.
struct IDTokenClaims: JWTPayload {
    var iss: String
    var sub: String
    var aud: AudienceClaim
    /// Unix seconds; some providers send fractions.
    var exp: Double
    var iat: Double?
    var nonce: String?
    var azp: String?
    var email: String?
    var emailVerified: Bool?
    var name: String?
    var preferredUsername: String?

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, exp, iat, nonce, azp, email, name
        case emailVerified = "email_verified"
        case preferredUsername = "preferred_username"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        iss = try container.decode(String.self, forKey: .iss)
        sub = try container.decode(String.self, forKey: .sub)
        aud = try container.decode(AudienceClaim.self, forKey: .aud)
        exp = try container.decode(Double.self, forKey: .exp)
        iat = try container.decodeIfPresent(Double.self, forKey: .iat)
        nonce = try container.decodeIfPresent(String.self, forKey: .nonce)
        azp = try container.decodeIfPresent(String.self, forKey: .azp)
        email = try container.decodeIfPresent(String.self, forKey: .email)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        preferredUsername = try container.decodeIfPresent(String.self, forKey: .preferredUsername)
        // Some providers (AWS Cognito among them) send the boolean as the string "true".
        if let flag = try? container.decodeIfPresent(Bool.self, forKey: .emailVerified) {
            emailVerified = flag
        } else if let text = try? container.decodeIfPresent(String.self, forKey: .emailVerified) {
            emailVerified = text == "true"
        } else {
            emailVerified = nil
        }
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
