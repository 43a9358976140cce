import GatewyseCore
import GatewyseEngine
import GatewyseStorage
import HTTPTypes
import Hummingbird
import NIOCore

/// `/api/auth` (admin-api.md §3): sign-in, refresh, logout, the signed-in account, password
/// change. Thin: bodies are parsed strictly here, every decision is `AccountService`'s. Answers
/// that carry tokens are `Cache-Control: no-store`.
struct AuthController: Sendable {
    let controlPlane: ControlPlane
    /// Auth bodies are a few short strings.
    static let bodyLimit = 16 * 1024

    func register(on router: Router<GatewayRequestContext>) {
        let accounts = controlPlane.accounts
        let tokens = controlPlane.tokens
        router.post("/api/auth/login") { request, context in
            let body = try await Self.fields(request, required: ["email", "password"])
            let signIn = try await accounts.login(email: body["email"]!, password: body["password"]!,
                                                  clientAddress: context.remoteAddress?.ipAddress)
            return Self.json(Self.signInBody(signIn))
        }
        router.post("/api/auth/refresh") { request, context in
            let body = try await Self.fields(request, required: ["refreshToken"])
            let signIn = try await accounts.refresh(body["refreshToken"]!, clientAddress: context.remoteAddress?.ipAddress)
            return Self.json(Self.signInBody(signIn))
        }
        router.post("/api/auth/logout") { request, _ in
            let claims = try await tokens.verify(try Self.bearer(request))
            try await accounts.logout(claims)
            return Self.noContent()
        }
        router.get("/api/auth/me") { request, _ in
            let claims = try await tokens.verify(try Self.bearer(request))
            let overview = try await accounts.me(claims)
            return Self.json([
                "user": Self.userBody(overview.user, now: UnixClock.now()),
                "tenant": overview.tenant.map(Self.tenantBody) ?? .null,
                "roles": .array(overview.roles.map(JSONValue.string)),
                "permissions": .array(overview.permissions.map(JSONValue.string)),
            ])
        }
        router.post("/api/auth/password") { request, _ in
            let claims = try await tokens.verify(try Self.bearer(request))
            let body = try await Self.fields(request, required: ["currentPassword", "newPassword"])
            try await accounts.changePassword(claims, currentPassword: body["currentPassword"]!, newPassword: body["newPassword"]!)
            return Self.noContent()
        }
    }

    // MARK: - Requests

    static let tokenRequired = GatewayError(
        status: 401, code: "AUTH_REQUIRED", type: "authentication_error",
        message: "Sign in first: send the access token from POST /api/auth/login as 'Authorization: Bearer <token>'.")

    /// The bearer token of the `Authorization` header.
    static func bearer(_ request: Request) throws -> String {
        guard let token = AdminAuthenticator.bearer(request.headers[.authorization]) else { throw tokenRequired }
        return token
    }

    /// A JSON object of exactly these string fields: an unknown field, a missing one or one of
    /// another type answers 400 `INVALID_FIELD` naming it.
    static func fields(_ request: Request, required: [String]) async throws -> [String: String] {
        let value = try await RequestBodyReader.json(request, limit: bodyLimit)
        guard case .object(let object) = value else {
            throw GatewayError.invalidRequest("The body must be a JSON object with \(required.joined(separator: ", ")).")
        }
        for (key, _) in object where !required.contains(key) {
            throw GatewayError.invalidField(key, "Unknown field '\(key)'.")
        }
        var result: [String: String] = [:]
        for key in required {
            guard let field = object[key], !field.isNull else { throw GatewayError.invalidField(key, "Missing required field '\(key)'.") }
            guard case .string(let text) = field else {
                throw GatewayError.invalidField(key, "Field '\(key)' must be a string, got \(field.typeName).")
            }
            result[key] = text
        }
        return result
    }

    // MARK: - Answers

    static func signInBody(_ signIn: SignIn) -> JSONValue {
        [
            "accessToken": .string(signIn.accessToken),
            "refreshToken": .string(signIn.refreshToken),
            "tokenType": "Bearer",
            "expiresIn": .int(Int(signIn.expiresIn)),
            "user": userBody(signIn.user, now: UnixClock.now()),
        ]
    }

    /// A user as the account routes show it: never the password hash nor the failure counters.
    static func userBody(_ user: UserRecord, now: Int64) -> JSONValue {
        let locked = user.lockedUntil.map { $0 > now } ?? false
        return [
            "id": .string(user.id),
            "email": .string(user.email),
            "name": .string(user.name),
            "tenantId": user.tenantID == SystemScope.tenantID ? .null : .string(user.tenantID),
            "roles": .array(user.roles.map(JSONValue.string)),
            "organizationId": user.organizationID.map(JSONValue.string) ?? .null,
            "departmentId": user.departmentID.map(JSONValue.string) ?? .null,
            "status": .string(locked ? UserRecord.Status.locked.rawValue : user.status.rawValue),
            "lastLoginAt": user.lastLoginAt.map { .string(Timestamp.rfc3339(seconds: $0)) } ?? .null,
            "createdAt": .string(Timestamp.rfc3339(seconds: user.createdAt)),
        ]
    }

    static func tenantBody(_ tenant: Tenant) -> JSONValue {
        ["id": .string(tenant.id), "name": .string(tenant.name), "status": .string(tenant.status.rawValue)]
    }

    static func json(_ body: JSONValue) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("Pragma")!] = "no-cache"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter.bytes(body))))
    }

    static func noContent() -> Response {
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        return Response(status: .noContent, headers: headers)
    }
}
