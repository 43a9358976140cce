import Foundation
import GatewyseCore
import HTTPTypes
import Hummingbird
import NIOCore

/// The admin dashboard (issue 15, docs/decisions/0021): static files under `/admin/`, a client
/// of `/api/auth` and `/api/admin` like any script. It holds no state and makes no decision;
/// every answer carries a strict Content-Security-Policy (no inline script or style, nothing
/// from another origin) and the usual hardening headers.
struct DashboardController: Sendable {
    /// Where the dashboard lives; `/` redirects here.
    static let basePath = "/admin/"

    /// Only this origin's files; no inline code; no framing; forms post nowhere else.
    static let contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        + "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    /// The embedded files, or, for dashboard development only, the same names read from a folder
    /// at every request (`GATEWYSE_DASHBOARD_DIR`): edits show on reload without a Swift build.
    let developmentDirectory: String?

    init(developmentDirectory: String? = ProcessInfo.processInfo.environment["GATEWYSE_DASHBOARD_DIR"].flatMap { $0.isEmpty ? nil : $0 }) {
        self.developmentDirectory = developmentDirectory
    }

    func register(on router: Router<GatewayRequestContext>) {
        router.get("/") { _, _ in Self.redirect() }
        // The router matches `/admin` and `/admin/` alike; the page's relative module paths
        // need the slash, so the bare form is sent there.
        router.get("/admin") { request, _ in request.uri.path.hasSuffix("/") ? try asset("index.html") : Self.redirect() }
        router.get("/admin/{file}") { _, context in try asset(context.parameters.get("file") ?? "") }
    }

    func asset(_ name: String) throws -> Response {
        guard let asset = DashboardAssetTable.all[name] else {
            throw GatewayError.notFound("No dashboard file '\(name)'; the dashboard is at \(Self.basePath).")
        }
        var bytes = asset.bytes
        if let developmentDirectory, let data = FileManager.default.contents(atPath: developmentDirectory + "/" + asset.name) {
            bytes = [UInt8](data)
        }
        var headers = Self.securityHeaders
        headers[.contentType] = asset.contentType
        // The files change with the binary, not with the data: revalidation is cheap and an
        // upgrade never mixes an old module with a new one.
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func redirect() -> Response {
        var headers = securityHeaders
        headers[.location] = basePath
        return Response(status: .found, headers: headers)
    }

    static let securityHeaders: HTTPFields = {
        var headers = HTTPFields()
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.xContentTypeOptions] = "nosniff"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        headers[HTTPField.Name("Cross-Origin-Opener-Policy")!] = "same-origin"
        headers[HTTPField.Name("Cross-Origin-Resource-Policy")!] = "same-origin"
        headers[HTTPField.Name("Permissions-Policy")!] = "camera=(), microphone=(), geolocation=(), payment=()"
        return headers
    }()
}
