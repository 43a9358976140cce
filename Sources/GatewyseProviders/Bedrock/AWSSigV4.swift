import Crypto
import GatewyseCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Long-term or temporary AWS credentials for SigV4 signing. The secret and the session token
/// are `Secret`s: never logged, never echoed in errors.
public struct AWSCredentials: Sendable {
    public var accessKeyID: String
    public var secretAccessKey: Secret
    public var sessionToken: Secret?

    public init(accessKeyID: String, secretAccessKey: Secret, sessionToken: Secret? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }
}

/// AWS Signature Version 4 in the `Authorization` header form, for one service and region.
/// Pure: the time is an argument, so the same inputs always give the same signature (tests pin
/// the values botocore computes for the same request).
///
/// Signed headers are `host`, `content-type` and every `x-amz-*` header: the ones a proxy will
/// not rewrite. The canonical URI percent-encodes the path *as sent* once more (every AWS service
/// except S3 double-encodes), so a model id `…-v1:0` sent as `…-v1%3A0` is signed as `…-v1%253A0`.
public struct AWSSigV4Signer: Sendable {
    public let credentials: AWSCredentials
    public let region: String
    public let service: String

    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The headers to add to the request: `x-amz-date`, `x-amz-security-token` (temporary
    /// credentials only) and `Authorization`. `headers` are the request's other headers; `url`
    /// is absolute, its path already percent-encoded as it will be sent.
    public func signatureHeaders(method: String, url: String, headers: [(String, String)], body: [UInt8], now: Double) -> [(String, String)] {
        let (date, dateTime) = Self.timestamps(now)
        let target = URLParts(url)
        var added: [(String, String)] = [("x-amz-date", dateTime)]
        if let token = credentials.sessionToken, !token.isEmpty { added.append(("x-amz-security-token", token.revealed)) }

        var signed: [String: [String]] = ["host": [target.hostHeader]]
        for (name, value) in headers + added {
            let lower = name.lowercased()
            guard lower == "content-type" || lower.hasPrefix("x-amz-") else { continue }
            signed[lower, default: []].append(Self.canonicalValue(value))
        }
        let names = signed.keys.sorted()
        let signedHeaders = names.joined(separator: ";")
        var canonical = method + "\n" + Self.canonicalURI(target.path) + "\n" + Self.canonicalQuery(target.query) + "\n"
        for name in names { canonical += name + ":" + signed[name]!.joined(separator: ",") + "\n" }
        canonical += "\n" + signedHeaders + "\n" + Self.hex(SHA256.hash(data: body))

        let scope = "\(date)/\(region)/\(service)/aws4_request"
        let stringToSign = "AWS4-HMAC-SHA256\n\(dateTime)\n\(scope)\n" + Self.hex(SHA256.hash(data: Array(canonical.utf8)))
        var key = SymmetricKey(data: Array(("AWS4" + credentials.secretAccessKey.revealed).utf8))
        for part in [date, region, service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
        added.append(("Authorization",
                      "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"))
        return added
    }

    /// `("20261124", "20261124T123600Z")` in UTC.
    static func timestamps(_ secondsSince1970: Double) -> (String, String) {
        var seconds = time_t(secondsSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let date = pad(parts.tm_year + 1900, 4) + pad(parts.tm_mon + 1, 2) + pad(parts.tm_mday, 2)
        return (date, date + "T" + pad(parts.tm_hour, 2) + pad(parts.tm_min, 2) + pad(parts.tm_sec, 2) + "Z")
    }

    /// Every byte but the unreserved set (`A-Z a-z 0-9 - _ . ~`) and `/` is `%XX`-encoded.
    static func canonicalURI(_ path: String) -> String {
        path.isEmpty ? "/" : percentEncode(path, keepingSlash: true)
    }

    /// Parameters sorted by name then value. The adapters build queries already encoded with the
    /// unreserved set, so they are kept as they are.
    static func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        let pairs = query.split(separator: "&").map { item -> (Substring, Substring) in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }
        return pairs.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// Trimmed, inner runs of spaces collapsed to one.
    static func canonicalValue(_ value: String) -> String {
        value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    public static func percentEncode(_ text: String, keepingSlash: Bool) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepingSlash:
                out.append("/")
            default:
                out += "%" + hexDigits[Int(byte >> 4)] + hexDigits[Int(byte & 0xF)]
            }
        }
        return out
    }

    private static let hexDigits = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "B", "C", "D", "E", "F"]

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The pieces of an absolute URL that SigV4 signs. `hostHeader` is what the transport sends as
/// `Host`: the port only when it is not the scheme's default.
struct URLParts {
    var hostHeader = ""
    var path = "/"
    var query = ""

    init(_ url: String) {
        var rest = Substring(url)
        var tls = false
        if let range = rest.firstRange(of: "://") {
            tls = rest[..<range.lowerBound].lowercased() == "https"
            rest = rest[range.upperBound...]
        }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = rest[..<authorityEnd].lowercased()
        let defaultPort = tls ? ":443" : ":80"
        if authority.hasSuffix(defaultPort) { authority.removeLast(defaultPort.count) }
        hostHeader = authority
        let target = rest[authorityEnd...]
        if let question = target.firstIndex(of: "?") {
            path = String(target[..<question])
            query = String(target[target.index(after: question)...])
        } else {
            path = String(target)
        }
        if path.isEmpty { path = "/" }
    }
}
