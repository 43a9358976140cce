import AsyncHTTPClient
import GatewyseCore
@testable import GatewyseEngine
import GatewyseStorage
import GatewyseTesting
import NIOCore
import Synchronization
import Testing

/// Rate limits per key and per tenant: the sliding minute, the UTC day, tokens per day, the
/// 429 with `Retry-After`, OpenAI's `x-ratelimit-*` headers, and counts rebuilt after a restart
/// (issue 12, item 5).
@Suite("Rate limits")
struct RateLimiterTests {
    final class Clock: Sendable {
        let now = Atomic<Int64>(BudgetLedgerTests.noon)
        func read() -> Int64 { now.load(ordering: .relaxed) }
        func advance(seconds: Int64) { now.add(seconds * 1000, ordering: .relaxed) }
    }

    static let key = RateLimitSubject(kind: .apiKey, tenantID: "acme", id: "key_1")
    static let tenant = RateLimitSubject(kind: .tenant, tenantID: "acme", id: "acme")

    @Test("requests per minute: the limit is admitted, the next is refused with the wait, and the window slides")
    func perMinute() throws {
        let clock = Clock()
        let limiter = RateLimiter(clock: clock.read)
        let limits = RateLimitSet(requestsPerMinute: 5)
        for index in 0..<5 {
            let headers = try limiter.admit([(Self.key, limits)])
            #expect(headers.fields.first { $0.0 == "x-ratelimit-remaining-requests" }?.1 == String(4 - index))
        }
        do {
            _ = try limiter.admit([(Self.key, limits)])
            Issue.record("the sixth request in a minute was admitted")
        } catch {
            #expect(error.status == 429 && error.code == "RATE_LIMIT_EXCEEDED")
            let retryAfter = try #require(Int(error.headers.first { $0.0 == "Retry-After" }?.1 ?? ""))
            // The previous minute weighs in for as long as it overlaps the last 60 s: 5 requests at its
            // start still count 4 after 12 s of the next one — the wait is 72 s here.
            #expect(retryAfter == 72)
            // Waiting that long admits one again.
            clock.advance(seconds: Int64(retryAfter))
            #expect(throws: Never.self) { try limiter.admit([(Self.key, limits)]) }
        }
        // A full minute of quiet later, the window is empty.
        clock.advance(seconds: 120)
        for _ in 0..<5 { _ = try limiter.admit([(Self.key, limits)]) }
    }

    @Test("reset times read as OpenAI writes them, and the fields are appended after an answer's own headers")
    func resetDurationsAndAppendedFields() {
        #expect(RateLimitAnswerHeaders.duration(0) == "1s")
        #expect(RateLimitAnswerHeaders.duration(1) == "1s")
        #expect(RateLimitAnswerHeaders.duration(59_001) == "1m0s")
        #expect(RateLimitAnswerHeaders.duration(360_000) == "6m0s")
        #expect(RateLimitAnswerHeaders.duration(3_723_000) == "1h2m3s")
        #expect(RateLimitAnswerHeaders.duration(43_200_000) == "12h0m0s")
        #expect(RateLimitAnswerHeaders.duration(Int64(99_999) * 3_600_000 + 3_599_000) == "99999h59m59s")
        #expect(RateLimitAnswerHeaders.duration(Int64(100_000) * 3_600_000 + 61_000) == "100000h1m1s")
        var headers = RateLimitAnswerHeaders()
        headers.requests = (limit: 60, remaining: 59, resetMilliseconds: 1000)
        headers.tokens = (limit: 1000, remaining: 0, resetMilliseconds: 90_000)
        var answer: [(String, String)] = [("Content-Type", "application/json")]
        headers.append(to: &answer)
        #expect(answer.map { "\($0.0): \($0.1)" } == [
            "Content-Type: application/json", "x-ratelimit-limit-requests: 60", "x-ratelimit-remaining-requests: 59",
            "x-ratelimit-reset-requests: 1s", "x-ratelimit-limit-tokens: 1000", "x-ratelimit-remaining-tokens: 0",
            "x-ratelimit-reset-tokens: 1m30s",
        ])
        #expect(headers.fields.count == 6)
    }

    @Test("requests and tokens per day, per key and per tenant: the tightest limit answers in the headers")
    func perDayAndTokens() throws {
        let clock = Clock()
        let limiter = RateLimiter(clock: clock.read)
        let keyLimits = RateLimitSet(requestsPerDay: 3, tokensPerDay: 100)
        let tenantLimits = RateLimitSet(requestsPerMinute: 0, requestsPerDay: 1000)
        let headers = try limiter.admit([(Self.key, keyLimits), (Self.tenant, tenantLimits)])
        #expect(headers.fields.first { $0.0 == "x-ratelimit-limit-requests" }?.1 == "3")
        #expect(headers.fields.first { $0.0 == "x-ratelimit-remaining-tokens" }?.1 == "100")
        #expect(headers.fields.first { $0.0 == "x-ratelimit-reset-tokens" }?.1 == "12h0m0s")
        limiter.addTokens(120, to: [Self.key])
        // The token limit refuses the request after the one that reached it.
        #expect(throws: GatewayError.self) { try limiter.admit([(Self.key, keyLimits), (Self.tenant, tenantLimits)]) }
        clock.advance(seconds: 12 * 3600)
        _ = try limiter.admit([(Self.key, keyLimits)])
        _ = try limiter.admit([(Self.key, keyLimits)])
        _ = try limiter.admit([(Self.key, keyLimits)])
        do {
            _ = try limiter.admit([(Self.key, keyLimits)])
            Issue.record("a fourth request in the day was admitted")
        } catch {
            #expect(error.message.contains("3 requests per day"))
            #expect(error.headers.first { $0.0 == "Retry-After" }?.1 == "86400")
        }
        // A refusal counts nothing: the tenant's day still holds the first request and this day's three.
        #expect(limiter.unseen([Self.tenant]).isEmpty)
    }

    @Test("a key limited to 5 requests a minute gets 429 with Retry-After and x-ratelimit headers through HTTP, and a restart keeps the day's count")
    func endToEnd() async throws {
        let store = InMemoryStore()
        let material = APIKeyMaterial.generate()
        let key = APIKeyRecord(id: "key_limited", tenantID: "acme", name: "limited", prefix: APIKeyMaterial.displayPrefix(material),
                               digest: APIKeyMaterial.digest(material), createdAt: 0, source: .created,
                               rateLimits: APIKeyRecord.RateLimits(requestsPerMinute: 5, requestsPerDay: 7))
        let body = EndToEndTests.chat("mock-chat")
        do {
            let gateway = try await TestGateway.start(store: store)
            _ = try await store.commit([try .insert(key, at: 0)])
            try await gateway.gateway.runtime.loader.reload()
            for index in 0..<5 {
                let reply = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: body, key: "Bearer \(material)")
                #expect(reply.status == 200)
                #expect(reply.headers["x-ratelimit-limit-requests"] == ["5"])
                #expect(reply.headers["x-ratelimit-remaining-requests"] == [String(4 - index)])
            }
            let refused = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: body, key: "Bearer \(material)")
            #expect(refused.status == 429)
            #expect(refused.json?["error"]?["code"] == "RATE_LIMIT_EXCEEDED")
            #expect(!(refused.headers["Retry-After"].first ?? "").isEmpty)
            #expect(refused.headers["x-ratelimit-remaining-requests"] == ["0"])
            // Another key of the tenant is not limited by this key's rate.
            #expect(try await EndToEndTests.post(gateway, "/v1/chat/completions", body: body).status == 200)
            _ = try await gateway.gateway.runtime.usage.flush(to: store)
            await gateway.stop()
        }
        // Restarted on the same store: the day's 5 served requests are counted, 2 remain.
        let restarted = try await TestGateway.start(store: store)
        let reply = try await EndToEndTests.post(restarted, "/v1/chat/completions", body: body, key: "Bearer \(material)",
                                                 headers: [])
        await restarted.stop()
        // The minute's window starts empty in the new process; the day's does not: 7 − 6 = 1 left,
        // the tightest of the two.
        #expect(reply.status == 200)
        #expect(reply.headers["x-ratelimit-remaining-requests"] == ["1"])
    }
}
