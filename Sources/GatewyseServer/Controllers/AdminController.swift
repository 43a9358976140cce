import GatewyseCore
import GatewyseEngine
import HTTPTypes
import Hummingbird
import NIOCore

/// `/api/admin/*` (admin-api.md §4, §5): transport only. It reads the caller's credentials, the
/// path, the query and the body, and hands them to the engine's `AdminRouter`, where the route
/// table, the authorization policy and every handler live.
struct AdminController: Sendable {
    let router: AdminRouter
    let authenticator: AdminAuthenticator
    let openAPI: JSONValue

    init(router: AdminRouter, authenticator: AdminAuthenticator) {
        self.router = router
        self.authenticator = authenticator
        openAPI = AdminOpenAPI.document(routes: router.routes)
    }
    /// Admin bodies are small documents.
    static let bodyLimit = 256 * 1024

    func register(on router: Router<GatewayRequestContext>) {
        for method in [HTTPRequest.Method.get, .post, .patch, .put, .delete] {
            router.on("/api/admin/**", method: method) { request, _ in try await handle(request) }
        }
    }

    func handle(_ request: Request) async throws -> Response {
        let path = request.uri.path
        let method = request.method.rawValue
        // The document describes routes, not data: it is readable before signing in.
        if path == "/api/admin/openapi.json", method == "GET" { return Self.json(openAPI, status: 200) }
        // Who is calling comes first: an unauthenticated caller learns nothing about the routes.
        let principal = try await authenticator.principal(authorization: request.headers[.authorization],
                                                          tenantHeader: request.headers[HTTPField.Name("X-Tenant-ID")!])
        guard let (route, parameters) = router.route(method: method, path: path) else {
            if router.pathExists(path) { throw GatewayError.methodNotAllowed("\(method) is not allowed on \(path).") }
            throw GatewayError.notFound("No admin route \(path) (GET /api/admin/openapi.json lists them).")
        }
        var query: [String: String] = [:]
        for (name, value) in request.uri.queryParameters { query[String(name)] = String(value) }
        var body: JSONValue?
        if method == "POST" || method == "PATCH" || method == "PUT" {
            body = try await RequestBodyReader.jsonIfPresent(request, limit: Self.bodyLimit)
        }
        let answer = try await router.handle(route, AdminRequest(method: method, parameters: parameters, query: query, body: body,
                                                                 principal: principal, accept: request.headers[.accept]))
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        for (name, value) in answer.headers { if let field = HTTPField.Name(name) { headers[field] = value } }
        if let stream = answer.stream {
            // Written as produced; when the client leaves, the write fails and the loop (with
            // the subscription behind it) ends.
            return Response(status: .init(code: answer.status), headers: headers, body: ResponseBody { writer in
                for await chunk in stream {
                    try await writer.write(ByteBuffer(bytes: chunk))
                }
                try await writer.finish(nil)
            })
        }
        if let bytes = answer.bytes {
            return Response(status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        guard let body = answer.body else { return Response(status: .init(code: answer.status), headers: headers) }
        return Self.json(body, status: answer.status, headers: headers)
    }

    static func json(_ body: JSONValue, status: Int, headers: HTTPFields = HTTPFields()) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter.bytes(body))))
    }

}
