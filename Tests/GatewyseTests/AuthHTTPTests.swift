import AsyncHTTPClient
import Foundation
import GatewyseCore
import GatewyseEngine
import GatewyseServer
import GatewyseStorage
import NIOCore
import NIOHTTP1
import Testing

/// `/api/auth` on the real server (in process, ephemeral port) with a real HTTP client.
@Suite("Auth HTTP", .serialized)
struct AuthHTTPTests {
    static let email = "root@gatewyse.test"
    static let password = "Root-Password-123!"

    struct Reply {
        var status: Int
        var headers: HTTPHeaders
        var body: String
        var json: JSONValue? { try? JSONParser.parse(body) }
        var code: String? { json?["error"]?["code"]?.stringValue }
        var param: String? { json?["error"]?["param"]?.stringValue }
    }

    static func withGateway(_ body: (RunningGateway) async throws -> Void) async throws {
        var configuration = GatewayConfiguration()
        configuration.database = .memory
        let gateway = try await RunningGateway.start(configuration: configuration, store: InMemoryStore(), passwordParameters: .testing)
        do {
            _ = try await gateway.runtime.controlPlane.accounts.createUser(
                AccountService.NewUser(email: email, password: password, roles: ["super-admin"]))
            try await body(gateway)
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    static func call(_ gateway: RunningGateway, _ method: HTTPMethod, _ path: String, body: String? = nil, token: String? = nil,
                     tenant: String? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: gateway.baseURL + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let tenant { request.headers.add(name: "X-Tenant-ID", value: tenant) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1024 * 1024)
        return Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }

    @Test("login → me → refresh → logout → me refused")
    func flow() async throws {
        try await Self.withGateway { gateway in
            let login = try await Self.call(gateway, .POST, "/api/auth/login", body: #"{"email":"\#(Self.email)","password":"\#(Self.password)"}"#)
            #expect(login.status == 200)
            #expect(login.headers["Cache-Control"] == ["no-store"])
            let access = try #require(login.json?["accessToken"]?.stringValue)
            let refresh = try #require(login.json?["refreshToken"]?.stringValue)
            #expect(login.json?["expiresIn"] == 900)
            #expect(login.json?["user"]?["email"]?.stringValue == Self.email)
            #expect(login.json?["user"]?["tenantId"] == .null)
            #expect(login.json?["user"]?["passwordHash"] == nil)

            let me = try await Self.call(gateway, .GET, "/api/auth/me", token: access)
            #expect(me.status == 200)
            #expect(me.json?["roles"] == ["super-admin"])
            #expect(me.json?["tenant"] == .null)
            #expect(me.json?["permissions"]?.arrayValue?.count == Permission.allCases.count)

            let refreshed = try await Self.call(gateway, .POST, "/api/auth/refresh", body: #"{"refreshToken":"\#(refresh)"}"#)
            #expect(refreshed.status == 200)
            #expect(refreshed.headers["Cache-Control"] == ["no-store"])
            let access2 = try #require(refreshed.json?["accessToken"]?.stringValue)
            #expect(refreshed.json?["refreshToken"]?.stringValue != refresh)
            #expect(try await Self.call(gateway, .GET, "/api/auth/me", token: access2).status == 200)

            let logout = try await Self.call(gateway, .POST, "/api/auth/logout", token: access2)
            #expect(logout.status == 204)
            for token in [access, access2] {
                let refused = try await Self.call(gateway, .GET, "/api/auth/me", token: token)
                #expect(refused.status == 401)
                #expect(refused.code == "AUTH_INVALID_TOKEN")
                #expect(refused.json?["error"]?["type"] == "authentication_error")
            }
            let noToken = try await Self.call(gateway, .GET, "/api/auth/me")
            #expect(noToken.status == 401 && noToken.code == "AUTH_REQUIRED")
        }
    }

    @Test("strict bodies and the error envelope: unknown, missing and mistyped fields, wrong credentials, weak new password")
    func errors() async throws {
        try await Self.withGateway { gateway in
            let unknown = try await Self.call(gateway, .POST, "/api/auth/login", body: #"{"email":"a@b.c","password":"x","remember":true}"#)
            #expect(unknown.status == 400 && unknown.code == "INVALID_FIELD" && unknown.param == "remember")
            let missing = try await Self.call(gateway, .POST, "/api/auth/login", body: #"{"email":"a@b.c"}"#)
            #expect(missing.status == 400 && missing.code == "INVALID_FIELD" && missing.param == "password")
            let typed = try await Self.call(gateway, .POST, "/api/auth/login", body: #"{"email":"a@b.c","password":12}"#)
            #expect(typed.status == 400 && typed.code == "INVALID_FIELD" && typed.param == "password")
            let notJSON = try await Self.call(gateway, .POST, "/api/auth/login", body: "email=a")
            #expect(notJSON.status == 400)

            let wrong = try await Self.call(gateway, .POST, "/api/auth/login", body: #"{"email":"\#(Self.email)","password":"Nope-Nope-123!"}"#)
            let unknownUser = try await Self.call(gateway, .POST, "/api/auth/login", body: #"{"email":"who@x.test","password":"Nope-Nope-123!"}"#)
            #expect(wrong.status == 401 && wrong.code == "AUTH_INVALID_CREDENTIALS")
            #expect(unknownUser.status == wrong.status && unknownUser.body == wrong.body)

            let login = try await Self.call(gateway, .POST, "/api/auth/login", body: #"{"email":"\#(Self.email)","password":"\#(Self.password)"}"#)
            let access = try #require(login.json?["accessToken"]?.stringValue)
            let weak = try await Self.call(gateway, .POST, "/api/auth/password", body: #"{"currentPassword":"\#(Self.password)","newPassword":"weak"}"#,
                                           token: access)
            #expect(weak.status == 400 && weak.param == "newPassword")
            let changed = try await Self.call(gateway, .POST, "/api/auth/password",
                                              body: #"{"currentPassword":"\#(Self.password)","newPassword":"Brand-New-Pass-9"}"#, token: access)
            #expect(changed.status == 204)
            let relogin = try await Self.call(gateway, .POST, "/api/auth/login", body: #"{"email":"\#(Self.email)","password":"Brand-New-Pass-9"}"#)
            #expect(relogin.status == 200)
            let badRefresh = try await Self.call(gateway, .POST, "/api/auth/refresh", body: #"{"refreshToken":"ses_x.y"}"#)
            #expect(badRefresh.status == 401 && badRefresh.code == "AUTH_INVALID_TOKEN")
        }
    }
}
