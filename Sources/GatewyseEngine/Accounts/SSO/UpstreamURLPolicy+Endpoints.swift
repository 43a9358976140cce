import Foundation

extension UpstreamURLPolicy {
    /// Why an identity provider's address is not acceptable, or nil. Unlike a provider's base
    /// URL it may carry a query (Azure AD B2C's `?p=policy`); a public one must use https (its
    /// answers sign users in), a private one may use http only where private addresses are allowed.
    static func problem(withEndpoint url: String, allowPrivate: Bool) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty
        else { return "'\(url)' is not an absolute URL" }
        guard scheme == "http" || scheme == "https" else { return "'\(url)' must use https" }
        guard components.fragment == nil else { return "'\(url)' must not carry a fragment" }
        if components.user != nil || components.password != nil { return "'\(url)' must not embed credentials" }
        if let raw = components.percentEncodedHost, raw.contains("%"), !raw.contains(":") {
            return "'\(url)' must not percent-encode its host"
        }
        let addressClass = classify(host: host)
        if let problem = problem(with: addressClass, url: url, allowPrivate: allowPrivate) { return problem }
        if scheme == "http", addressClass == .publicAddress { return "'\(url)' must use https" }
        return nil
    }
}
