/// A PostgreSQL connection URL, parsed without a driver so that configuration can validate it
/// and print it redacted: `postgres://user:password@host:port/database?sslmode=disable`,
/// `postgresql://…`, and unix sockets as libpq spells them (`postgres://user@/db?host=/run/postgresql`
/// or `postgres:///db?host=/tmp`).
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, Equatable {
        /// No TLS (`sslmode=disable`; the default on loopback and unix sockets).
        case disable
        /// TLS when the server offers it (the default for other hosts).
        case prefer
        /// TLS or nothing (`sslmode=require`, `verify-ca`, `verify-full`).
        case require
    }

    public var username: String
    public var password: String?
    /// Host name or address; nil with a unix socket.
    public var host: String?
    public var port: Int
    /// The socket *file* (`/run/postgresql/.s.PGSQL.5432`) when connecting through a unix socket.
    public var unixSocketPath: String?
    public var database: String
    public var tls: TLSMode
    /// Connections the store's pool may open (`?pool_max=`), default 10.
    public var maximumConnections: Int

    /// Parses the URL; nil when it is not a `postgres://` or `postgresql://` URL or is malformed.
    public static func parse(_ url: String, defaultUser: String = "postgres") -> PostgresURL? {
        var rest: Substring
        if url.hasPrefix("postgres://") {
            rest = url.dropFirst("postgres://".count)
        } else if url.hasPrefix("postgresql://") {
            rest = url.dropFirst("postgresql://".count)
        } else {
            return nil
        }
        var query: [String: String] = [:]
        if let mark = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: mark)...].split(separator: "&") where !pair.isEmpty {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard let key = percentDecoded(parts[0]) else { return nil }
                query[key] = parts.count > 1 ? percentDecoded(parts[1]) : ""
            }
            rest = rest[..<mark]
        }
        var authority = rest
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            path = rest[rest.index(after: slash)...]
        }
        var username: String?
        var password: String?
        var hostPort = authority
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            hostPort = authority[authority.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                username = percentDecoded(userInfo[..<colon])
                password = percentDecoded(userInfo[userInfo.index(after: colon)...])
                guard password != nil else { return nil }
            } else {
                username = percentDecoded(userInfo)
            }
            guard username != nil else { return nil }
        }
        var host: String?
        var port = 5432
        if hostPort.hasPrefix("[") {
            // [IPv6]:port
            guard let close = hostPort.firstIndex(of: "]") else { return nil }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let after = hostPort[hostPort.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()), (1...65535).contains(p) else { return nil }
                port = p
            } else if !after.isEmpty {
                return nil
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = String(hostPort[..<colon])
            guard let p = Int(hostPort[hostPort.index(after: colon)...]), (1...65535).contains(p) else { return nil }
            port = p
        } else if !hostPort.isEmpty {
            host = String(hostPort)
        }
        if let h = host, h.isEmpty { host = nil }
        if let p = query["port"] {
            guard let value = Int(p), (1...65535).contains(value) else { return nil }
            port = value
        }
        if let user = query["user"] { username = user }
        if let secret = query["password"] { password = secret }
        var socket: String?
        if let queryHost = query["host"], !queryHost.isEmpty {
            if queryHost.hasPrefix("/") {
                socket = queryHost.contains("/.s.PGSQL.") ? queryHost : queryHost + (queryHost.hasSuffix("/") ? "" : "/") + ".s.PGSQL.\(port)"
                host = nil
            } else {
                host = queryHost
            }
        } else if let h = host, h.hasPrefix("%2F") || h.hasPrefix("%2f") || h.hasPrefix("/") {
            // libpq also accepts a percent-encoded socket directory as the host.
            guard let directory = percentDecoded(Substring(h)) else { return nil }
            socket = directory + "/.s.PGSQL.\(port)"
            host = nil
        }
        if host == nil && socket == nil { host = "localhost" }
        guard let database = percentDecoded(path) else { return nil }
        let user = username.flatMap { $0.isEmpty ? nil : $0 } ?? defaultUser
        let loopback = socket != nil || ["localhost", "127.0.0.1", "::1"].contains(host ?? "")
        var tls: TLSMode = loopback ? .disable : .prefer
        switch query["sslmode"] {
        case nil: break
        case "disable", "allow": tls = .disable
        case "prefer": tls = .prefer
        case "require", "verify-ca", "verify-full": tls = .require
        default: return nil
        }
        var pool = 10
        if let text = query["pool_max"] {
            guard let value = Int(text), (1...1000).contains(value) else { return nil }
            pool = value
        }
        return PostgresURL(username: user, password: password, host: host, port: port, unixSocketPath: socket,
                           database: database.isEmpty ? user : database, tls: tls, maximumConnections: pool)
    }

    /// The URL with the password replaced, for logs and messages: a secret in the URL is never printed.
    public static func redacted(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        var result = String(url[..<scheme.upperBound])
        var rest = url[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            if let colon = userInfo.firstIndex(of: ":") {
                result += userInfo[..<colon] + ":***"
            } else {
                result += userInfo
            }
            result += authority[at...]
        } else {
            result += authority
        }
        rest = rest[authorityEnd...]
        guard let mark = rest.firstIndex(of: "?") else { return result + rest }
        result += rest[...mark]
        let pairs = rest[rest.index(after: mark)...].split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            pair.lowercased().hasPrefix("password=") ? "password=***" : String(pair)
        }
        return result + pairs.joined(separator: "&")
    }

    /// Where it connects, without the password.
    public var description: String {
        let target = unixSocketPath ?? "\(host ?? "localhost"):\(port)"
        return "postgres://\(username)\(password == nil ? "" : ":***")@\(target)/\(database)"
    }

    /// The same server, another database (tests create one database per test).
    public func with(database: String) -> PostgresURL {
        var copy = self
        copy.database = database
        return copy
    }

    static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
