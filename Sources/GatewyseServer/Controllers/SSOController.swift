import Foundation
import GatewyseCore
import GatewyseEngine
import HTTPTypes
import Hummingbird
import NIOCore

/// `/api/auth/sso` (admin-api.md §3, decisions/0022): the browser's two legs of a single
/// sign-on. Thin: every decision is `SSOService`'s; this carries its answers as redirects and
/// the sealed state as a cookie.
///
/// The callback lands the browser on `ADMIN_URL` with the tokens in the fragment (never sent
/// to a server, so never in an access log), or with `ssoError=<code>` there when the sign-in
/// failed: the dashboard reads either.
struct SSOController: Sendable {
    let sso: SSOService
    let adminURL: String

    func register(on router: Router<GatewayRequestContext>) {
        router.get("/api/auth/sso/:tenantId/start") { request, context in
            let tenantID = context.parameters.get("tenantId") ?? ""
            do {
                let start = try await sso.start(tenantID: tenantID, requestHost: request.head.authority)
                return Self.redirect(to: start.location, cookie: Self.stateCookie(start.cookie, secure: start.secureCookie, maxAge: 600))
            } catch let error as GatewayError where Self.isNavigation(request.headers) {
                // A person followed "Sign in with SSO": land them back on the dashboard with the
                // reason rather than on a page of JSON. API clients keep the error envelope.
                return Self.redirect(to: Self.landing(adminURL, [("ssoError", error.code), ("message", error.message)]),
                                     cookie: Self.stateCookie("", secure: false, maxAge: 0))
            }
        }
        router.get("/api/auth/sso/callback") { request, context in
            var query: [String: String] = [:]
            for (name, value) in request.uri.queryParameters { query[String(name)] = String(value) }
            let callback = SSOService.Callback(code: query["code"], state: query["state"], error: query["error"],
                                               cookie: Self.cookie(named: SSOService.stateCookieName, in: request.headers[values: .cookie]))
            // The state is spent whatever happens: a second callback with it must start over.
            let clear = Self.stateCookie("", secure: false, maxAge: 0)
            do {
                let signIn = try await sso.finish(callback, clientAddress: context.remoteAddress?.ipAddress)
                let fragment = [("accessToken", signIn.accessToken), ("refreshToken", signIn.refreshToken), ("tokenType", "Bearer"),
                                ("expiresIn", String(signIn.expiresIn))]
                return Self.redirect(to: Self.landing(adminURL, fragment), cookie: clear)
            } catch let error as GatewayError {
                return Self.redirect(to: Self.landing(adminURL, [("ssoError", error.code), ("message", error.message)]), cookie: clear)
            }
        }
    }

    /// Whether a browser is navigating (a link or a typed address), not a script or an API
    /// client: browsers send `Sec-Fetch-Mode: navigate`, or at least ask for HTML.
    static func isNavigation(_ headers: HTTPFields) -> Bool {
        if let mode = headers[HTTPField.Name("Sec-Fetch-Mode")!] { return mode == "navigate" }
        return headers[.accept]?.contains("text/html") ?? false
    }

    /// `adminURL#name=value&…`, each part form-encoded.
    static func landing(_ adminURL: String, _ fields: [(String, String)]) -> String {
        let base = adminURL.split(separator: "#", maxSplits: 1).first.map(String.init) ?? adminURL
        return base + "#" + fields.map { SSOService.formEncode($0.0) + "=" + SSOService.formEncode($0.1) }.joined(separator: "&")
    }

    /// `SameSite=Lax`: the browser must send it on the identity provider's top-level redirect
    /// back, and on nothing a third-party page could make it post. Scoped to the SSO routes.
    static func stateCookie(_ value: String, secure: Bool, maxAge: Int) -> String {
        "\(SSOService.stateCookieName)=\(value); Path=/api/auth/sso; Max-Age=\(maxAge); HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "")
    }

    /// One cookie's value among `Cookie` headers (`a=1; b=2`).
    static func cookie(named name: String, in headers: [String]) -> String? {
        for header in headers {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }

    static func redirect(to location: String, cookie: String) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        headers[.setCookie] = cookie
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return Response(status: .found, headers: headers)
    }
}
