import AsyncHTTPClient
import Foundation
import GatewyseCore
import GatewyseEngine
import GatewyseRouting
import GatewyseServer
import GatewyseStorage
import GatewyseTesting
import NIOCore
import Testing

/// Usage records end to end on a real server: a chat, a stream, an upstream failure and a
/// refusal each leave one journal line before their answer ends and one row once flushed, and
/// `/api/admin/requests`, `/api/admin/usage` (JSON and CSV) and `/v1/usage` read them back.
@Suite("Usage over HTTP", .serialized)
struct UsageHTTPTests {
    struct Reply {
        var status: Int
        var contentType: String?
        var body: String
        var json: JSONValue? { try? JSONParser.parse(body) }
        var code: String? { json?["error"]?["code"]?.stringValue }
        var param: String? { json?["error"]?["param"]?.stringValue }
    }

    static func get(_ gateway: TestGateway, _ path: String, key: String, accept: String? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: gateway.baseURL + path)
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        if let accept { request.headers.add(name: "Accept", value: accept) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1024 * 1024)
        return Reply(status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type"), body: String(buffer: bytes))
    }

    static func chat(_ gateway: TestGateway, key: String, id: String, model: String, stream: Bool = false) async throws -> RawResponse {
        try await GovernanceHTTPTests.send(gateway, RawRequest.build(
            "POST", "/v1/chat/completions",
            headers: [("Authorization", "Bearer \(key)"), ("Content-Type", "application/json"), ("X-Request-ID", id)],
            body: DataPlaneTests.chatBody("hello usage", model: model, stream: stream)))
    }

    static func journalLines(_ directory: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".journal") }.reduce(0) { total, name in
            let data = FileManager.default.contents(atPath: directory + "/" + name) ?? Data()
            return total + data.filter { $0 == UInt8(ascii: "\n") }.count
        }
    }

    @Test("chat, stream, upstream failure and refusal: journaled before the answer ends, then rows in requests, usage (JSON, CSV) and /v1/usage")
    func rows() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gw-usage-http-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let gateway = try await TestGateway.start { configuration in
            configuration.usage.journalDirectory = directory
            // The test flushes by hand.
            configuration.usage.flushInterval = 60
            configuration.prices["mock/mock-chat"] = ModelPrice(input: 1, output: 2)
        }
        do {
            let runtime = gateway.gateway.runtime
            let key = try await GovernanceHTTPTests.key(gateway) { $0.scopes.capabilities = ["chat", "usage:read", "admin"] }
            let keyID = try #require(runtime.engine.snapshot.authenticator.authenticate(key: key, now: UnixClock.now()).keyID)

            #expect(try await Self.chat(gateway, key: key, id: "usage-chat", model: "mock-chat").status == 200)
            let streamed = try await Self.chat(gateway, key: key, id: "usage-stream", model: "mock-chat", stream: true)
            #expect(streamed.status == 200 && streamed.text.contains("[DONE]"))
            let failed = try await Self.chat(gateway, key: key, id: "usage-500", model: "mock/error-500")
            #expect(failed.status >= 500)
            let refused = try await Self.chat(gateway, key: key, id: "usage-unknown", model: "no-such-model")
            #expect(refused.status >= 400 && refused.status < 500)
            // Not authenticated: nobody to charge, no record.
            #expect(try await Self.chat(gateway, key: "aigw_sk_" + String(repeating: "0", count: 48), id: "usage-401", model: "mock-chat").status == 401)
            // Every answer above was complete before its record was flushed: the lines are on disk.
            #expect(Self.journalLines(directory) == 4)
            #expect(runtime.usage.depth == 4)
            #expect(try await runtime.usage.flush(to: runtime.store) == 4)

            let requests = try await Self.get(gateway, "/api/admin/requests?apiKeyId=\(keyID)", key: key)
            #expect(requests.status == 200, "\(requests.body)")
            let rows = try #require(requests.json?["data"]?.arrayValue)
            #expect(rows.map { $0["id"]?.stringValue } == ["usage-unknown", "usage-500", "usage-stream", "usage-chat"])
            let chat = rows[3], stream = rows[2], upstream = rows[1], unknown = rows[0]
            #expect(chat["status"] == 200 && chat["provider"] == "mock" && chat["upstreamModel"] == "mock-chat" && chat["model"] == "mock-chat")
            let input = try #require(chat["inputTokens"]?.intValue), output = try #require(chat["outputTokens"]?.intValue)
            #expect(input > 0 && output > 0)
            // $1 and $2 per million tokens.
            #expect(chat["costUsd"] == .number(Money(nanos: Int64(input * 1000 + output * 2000)).description))
            #expect(chat["outcome"] == "answered" && chat["attempts"] == 1 && chat["tenantId"] == "acme" && chat["apiKeyId"] == .string(keyID))
            #expect(stream["outcome"] == "streamFinished" && stream["status"] == 200 && stream["ttftMs"]?.intValue != nil)
            #expect((stream["outputTokens"]?.intValue ?? 0) > 0 && stream["usageEstimated"] == false)
            #expect(upstream["errorCode"]?.stringValue != nil && (upstream["attempts"]?.intValue ?? 0) >= 1 && upstream["costUsd"] == .null)
            #expect(unknown["errorCode"]?.stringValue != nil && unknown["attempts"] == 0 && unknown["inputTokens"] == 0)
            let page = try await Self.get(gateway, "/api/admin/requests?apiKeyId=\(keyID)&limit=3", key: key)
            let cursor = try #require(page.json?["nextCursor"]?.stringValue)
            let rest = try await Self.get(gateway, "/api/admin/requests?apiKeyId=\(keyID)&limit=3&cursor=\(cursor)", key: key)
            #expect(rest.json?["data"]?.arrayValue?.map { $0["id"]?.stringValue } == ["usage-chat"] && rest.json?["nextCursor"] == .null)

            let report = try await Self.get(gateway, "/api/admin/usage?interval=hour&groupBy=apiKey", key: key)
            let keyRows = try #require(report.json?["data"]?.arrayValue).filter { $0["group"] == .string(keyID) }
            #expect(keyRows.count == 1, "\(report.body)")
            let row = try #require(keyRows.first)
            let streamInput = stream["inputTokens"]?.intValue ?? 0, streamOutput = stream["outputTokens"]?.intValue ?? 0
            #expect(row["requests"] == 4 && row["errors"] == 2 && row["cacheHits"] == 0)
            #expect(row["inputTokens"]?.intValue == input + streamInput && row["outputTokens"]?.intValue == output + streamOutput)
            let csv = try await Self.get(gateway, "/api/admin/usage?interval=hour&groupBy=apiKey", key: key, accept: "text/csv")
            #expect(csv.status == 200 && csv.contentType?.hasPrefix("text/csv") == true)
            let lines = csv.body.split(separator: "\r\n").map(String.init)
            #expect(lines.first == UsageReportFormat.csvHeader.joined(separator: ","))
            #expect(lines.contains { $0.contains(",\(keyID),4,2,\(input + streamInput),") }, "\(csv.body)")

            let own = try await Self.get(gateway, "/v1/usage?interval=day", key: key)
            #expect(own.status == 200, "\(own.body)")
            let ownRows = try #require(own.json?["data"]?.arrayValue)
            #expect(ownRows.count == 1 && ownRows[0]["group"] == .null && ownRows[0]["requests"] == 4 && ownRows[0]["costUsd"] == row["costUsd"])
            // The configuration's key has no `usage:read`; validation names the field.
            let refusedRead = try await Self.get(gateway, "/v1/usage", key: gateway.apiKey)
            #expect(refusedRead.status == 403 && refusedRead.code == "CAPABILITY_NOT_ALLOWED")
            for (path, param) in [("/v1/usage?groupBy=user", "groupBy"), ("/v1/usage?interval=month", "interval"),
                                  ("/api/admin/usage?from=2027-02-01T00:00:00Z&to=2027-01-01T00:00:00Z", "from"),
                                  ("/api/admin/usage?from=yesterday", "from"), ("/api/admin/requests?status=abc", "status"),
                                  ("/api/admin/requests?cursor=nope", "cursor"), ("/api/admin/requests?colour=red", "colour")] {
                let invalid = try await Self.get(gateway, path, key: key)
                #expect(invalid.status == 400 && invalid.code == "INVALID_FIELD" && invalid.param == param, "\(path): \(invalid.body)")
            }
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    @Test("a full usage queue refuses new requests with 503 OVERLOADED and Retry-After until the store catches up")
    func backpressure() async throws {
        let gateway = try await TestGateway.start { configuration in
            configuration.usage.queueCapacity = 2
            configuration.usage.flushInterval = 60
        }
        do {
            let runtime = gateway.gateway.runtime
            for i in 0..<2 { #expect(try await Self.chat(gateway, key: gateway.apiKey, id: "bp-\(i)", model: "mock-chat").status == 200) }
            let upstreamBefore = gateway.mock.requests.count
            let refused = try await Self.chat(gateway, key: gateway.apiKey, id: "bp-refused", model: "mock-chat")
            #expect(refused.status == 503 && refused.errorCode == "OVERLOADED")
            #expect(refused.headers.contains { $0.0.lowercased() == "retry-after" && $0.1 == "1" })
            #expect(gateway.mock.requests.count == upstreamBefore, "a refused request reached the upstream")
            #expect(try await runtime.usage.flush(to: runtime.store) == 2)
            #expect(try await Self.chat(gateway, key: gateway.apiKey, id: "bp-after", model: "mock-chat").status == 200)
            let ids = try await runtime.store.recentRequests(RecentRequestsQuery(tenants: .one("acme"), limit: 10)).map(\.requestID)
            #expect(ids == ["bp-1", "bp-0"])
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    @Test("the flusher writes early once a batch waits, and once more after the server drains at shutdown")
    func flusherService() async throws {
        let gateway = try await TestGateway.start { configuration in
            configuration.usage.flushBatch = 3
            configuration.usage.flushInterval = 60
        }
        let store = gateway.gateway.runtime.store
        func stored() async throws -> Int { try await store.recentRequests(RecentRequestsQuery(tenants: .one("acme"), limit: 100)).count }
        do {
            for i in 0..<3 { #expect(try await Self.chat(gateway, key: gateway.apiKey, id: "early-\(i)", model: "mock-chat").status == 200) }
            let deadline = ContinuousClock.now + .seconds(3)
            while try await stored() < 3, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(try await stored() == 3)
            #expect(try await Self.chat(gateway, key: gateway.apiKey, id: "last", model: "mock-chat").status == 200)
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await stored() == 3, "a lone record was flushed before its interval")
            await gateway.gateway.shutdownGracefully()
            #expect(try await stored() == 4)
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }
}
