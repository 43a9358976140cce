import Foundation
import GatewyseCore
import GatewyseProviders
import JWTKit
import Synchronization

/// What the gateway reads of an identity provider's discovery document.
struct OIDCProviderMetadata: Sendable, Equatable {
    var issuer: String
    var authorizationEndpoint: String
    var tokenEndpoint: String
    var jwksURI: String
    /// `token_endpoint_auth_methods_supported`; OpenID Connect Discovery's default is `client_secret_basic`.
    var tokenEndpointAuthMethods: [String]
}

/// Talks to identity providers over the gateway's upstream transport (so every address is
/// judged by the SSRF policy when it connects): discovery, signing keys and the code exchange.
/// Discovery documents and key sets are cached for `cacheLifetime`; a token signed with a key
/// the cached set lacks refetches the set (the provider rotated its keys), at most once a minute.
final class OIDCClient: Sendable {
    private let transport: any UpstreamTransport
    private let clock: @Sendable () -> Int64
    private struct Cached: Sendable {
        var metadata: OIDCProviderMetadata
        var keys: JWTKeyCollection?
        /// Unix ms.
        var fetchedAt: Int64
        var keysFetchedAt: Int64
    }
    private let cache = Mutex<[String: Cached]>([:])

    static let cacheLifetime: Int64 = 10 * 60_000
    static let keyRefetchInterval: Int64 = 60_000
    /// Discovery documents, key sets and token answers are small.
    static let bodyLimit = 256 * 1024
    static let timeouts: UpstreamSettings = {
        var settings = UpstreamSettings()
        settings.connectTimeout = 5
        settings.firstByteTimeout = 10
        settings.totalTimeout = 15
        return settings
    }()

    init(transport: any UpstreamTransport, clock: @escaping @Sendable () -> Int64) {
        self.transport = transport
        self.clock = clock
    }

    /// The issuer's discovery document (cached). Its `issuer` must be the configured one,
    /// exactly (OpenID Connect Discovery §4.3): a document that names another issuer is refused.
    func metadata(issuer: String, allowPrivate: Bool) async throws -> OIDCProviderMetadata {
        let now = clock()
        if let cached = cache.withLock({ $0[issuer] }), now - cached.fetchedAt < Self.cacheLifetime { return cached.metadata }
        let trimmed = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        let document = try await getJSON(trimmed + "/.well-known/openid-configuration", allowPrivate: allowPrivate, what: "discovery document")
        guard let named = document["issuer"]?.stringValue, named == issuer || named == trimmed else {
            throw GatewayError.ssoUnreachable("its discovery document names another issuer")
        }
        var endpoints: [String] = []
        for field in ["authorization_endpoint", "token_endpoint", "jwks_uri"] {
            guard let url = document[field]?.stringValue else { throw GatewayError.ssoUnreachable("its discovery document has no \(field)") }
            if let problem = UpstreamURLPolicy.problem(withEndpoint: url, allowPrivate: allowPrivate) {
                throw GatewayError.ssoUnreachable("its \(field) \(problem)")
            }
            endpoints.append(url)
        }
        let methods = document["token_endpoint_auth_methods_supported"]?.arrayValue?.compactMap(\.stringValue) ?? ["client_secret_basic"]
        let metadata = OIDCProviderMetadata(issuer: named, authorizationEndpoint: endpoints[0], tokenEndpoint: endpoints[1],
                                            jwksURI: endpoints[2], tokenEndpointAuthMethods: methods)
        cache.withLock { $0[issuer] = Cached(metadata: metadata, keys: nil, fetchedAt: now, keysFetchedAt: 0) }
        return metadata
    }

    /// The provider's signing keys; `refresh`: fetch them again unless fetched within the minute.
    func keys(issuer: String, metadata: OIDCProviderMetadata, allowPrivate: Bool, refresh: Bool = false) async throws -> JWTKeyCollection {
        let now = clock()
        if let cached = cache.withLock({ $0[issuer] }), let keys = cached.keys,
           !refresh || now - cached.keysFetchedAt < Self.keyRefetchInterval {
            return keys
        }
        let (status, body) = try await send(UpstreamRequest(method: "GET", url: metadata.jwksURI, headers: [("Accept", "application/json")],
                                                            body: [], expectsStream: false), allowPrivate: allowPrivate, what: "key set")
        guard status == 200 else { throw GatewayError.ssoUnreachable("its key set answered HTTP \(status)") }
        let keys = JWTKeyCollection()
        do {
            // Keys of a kind jwt-kit does not know (or without `kid`) are skipped, not fatal.
            let jwks = try JSONDecoder().decode(JWKS.self, from: Data(body))
            for jwk in jwks.keys where jwk.keyIdentifier != nil { try? await keys.add(jwk: jwk) }
        } catch {
            throw GatewayError.ssoUnreachable("its key set is not a JSON Web Key Set")
        }
        cache.withLock { cache in
            if var entry = cache[issuer] {
                entry.keys = keys
                entry.keysFetchedAt = now
                cache[issuer] = entry
            }
        }
        return keys
    }

    /// Exchanges an authorization code for the ID token (authorization code grant with PKCE).
    func exchange(code: String, state: SSOState, metadata: OIDCProviderMetadata, clientID: String, clientSecret: String?,
                  allowPrivate: Bool) async throws -> String {
        var form: [(String, String)] = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", state.redirectURI),
                                        ("code_verifier", state.verifier)]
        var headers: [(String, String)] = [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")]
        if let clientSecret, !metadata.tokenEndpointAuthMethods.contains("client_secret_basic"),
           metadata.tokenEndpointAuthMethods.contains("client_secret_post") {
            form += [("client_id", clientID), ("client_secret", clientSecret)]
        } else if let clientSecret {
            // RFC 6749 §2.3.1: both parts form-encoded before they are joined.
            let pair = FormEncoding.encode(clientID) + ":" + FormEncoding.encode(clientSecret)
            headers.append(("Authorization", "Basic " + Data(pair.utf8).base64EncodedString()))
        } else {
            form.append(("client_id", clientID))
        }
        let body = Array(form.map { FormEncoding.encode($0.0) + "=" + FormEncoding.encode($0.1) }.joined(separator: "&").utf8)
        let (status, answer) = try await send(UpstreamRequest(method: "POST", url: metadata.tokenEndpoint, headers: headers, body: body,
                                                              expectsStream: false), allowPrivate: allowPrivate, what: "token endpoint")
        let document = try? JSONParser.parse(answer)
        guard status == 200 else {
            // RFC 6749 §5.2: `error` names why (invalid_grant: a code used twice or expired).
            if let error = document?["error"]?.stringValue { throw GatewayError.ssoProviderError(error) }
            throw GatewayError.ssoUnreachable("its token endpoint answered HTTP \(status)")
        }
        guard let idToken = document?["id_token"]?.stringValue else {
            throw GatewayError.ssoUnreachable("its token endpoint answered without an id_token (is `openid` among the scopes?)")
        }
        return idToken
    }

    private func getJSON(_ url: String, allowPrivate: Bool, what: String) async throws -> JSONValue {
        let (status, body) = try await send(UpstreamRequest(method: "GET", url: url, headers: [("Accept", "application/json")], body: [],
                                                            expectsStream: false), allowPrivate: allowPrivate, what: what)
        guard status == 200 else { throw GatewayError.ssoUnreachable("its \(what) answered HTTP \(status)") }
        guard let value = try? JSONParser.parse(body), value.objectValue != nil else {
            throw GatewayError.ssoUnreachable("its \(what) is not a JSON object")
        }
        return value
    }

    private func send(_ request: UpstreamRequest, allowPrivate: Bool, what: String) async throws -> (Int, [UInt8]) {
        var request = request
        request.allowPrivateNetwork = allowPrivate
        do {
            let response = try await transport.send(request, timeouts: Self.timeouts)
            return (response.status, try await response.collectBody(upTo: Self.bodyLimit))
        } catch let error as GatewayError {
            throw error
        } catch {
            throw GatewayError.ssoUnreachable("its \(what) did not answer")
        }
    }
}

/// `application/x-www-form-urlencoded` values (WHATWG URL §5.2): unreserved characters as they
/// are, everything else percent-encoded, so a `+` or `&` in a code or secret survives.
enum FormEncoding {
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
