import GatewyseCore
@testable import GatewyseEngine
import GatewyseRouting
import GatewyseProviders
import GatewyseTesting
import Synchronization
import Testing

/// The governed request lifecycle (decisions/0006): a stage given to the engine once applies to
/// every inference route, and every request ends in exactly one completion event, whatever
/// happened to it.
@Suite("Request lifecycle", .serialized)
struct LifecycleTests {
    /// Every inference route, with a body the mock answers, streaming where the route can.
    static let routes: [(name: String, path: String, body: String)] = [
        ("chat", "/v1/chat/completions", #"{"model":"mock-chat","messages":[{"role":"user","content":"hi"}]}"#),
        ("chat stream", "/v1/chat/completions", #"{"model":"mock-chat","stream":true,"messages":[{"role":"user","content":"hi"}]}"#),
        ("messages", "/v1/messages", #"{"model":"mock-chat","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}"#),
        ("messages stream", "/v1/messages", #"{"model":"mock-chat","max_tokens":16,"stream":true,"messages":[{"role":"user","content":"hi"}]}"#),
        ("completions", "/v1/completions", #"{"model":"mock-chat","prompt":"hi"}"#),
        ("completions stream", "/v1/completions", #"{"model":"mock-chat","prompt":"hi","stream":true}"#),
        ("embeddings", "/v1/embeddings", #"{"model":"mock/text-embedding-3-small","input":"hi"}"#),
        ("rerank", "/v1/rerank", #"{"model":"vllm/bge-reranker-v2-m3","query":"q","documents":["a","b"]}"#),
    ]

    static func start(stages: [any InferenceStage] = [], observers: [any CompletionObserver] = [],
                      firstByteTimeout: Double = 1.5) async throws -> TestGateway {
        let gateway = try await TestGateway.start(firstByteTimeout: firstByteTimeout, stages: stages, observers: observers) { configuration in
            configuration.providers.append(ProviderConfiguration(
                id: "vllm", entry: ProviderCatalog.entry(forType: "vllm")!, baseURL: configuration.providers[0].baseURL,
                apiKey: Secret(TestGateway.providerKey)))
        }
        return gateway
    }

    static func request(_ gateway: TestGateway, _ path: String, _ body: String, id: String) -> String {
        RawRequest.build("POST", path, headers: DataPlaneTests.headers(gateway, id: id), body: body)
    }

    // MARK: Stages

    @Test("a stage's admission refusal reaches every inference route, in each route's envelope, before any upstream call")
    func admitEverywhere() async throws {
        let stage = RecordingStage(refuseAtAdmission: true)
        let gateway = try await Self.start(stages: [stage])
        defer { Task { await gateway.stop() } }
        try await DataPlaneTests.withConnection(gateway) { connection in
            for route in Self.routes {
                try await connection.send(Self.request(gateway, route.path, route.body, id: "admit-\(route.name)"))
                let response = try await connection.readResponse()
                #expect(response.status == 403, "\(route.name): \(response.text)")
                if route.path == "/v1/messages" {
                    #expect(response.json?["type"] == "error" && response.json?["error"]?["type"] == "permission_error", "\(route.name)")
                } else {
                    #expect(response.errorCode == "STAGE_REFUSED", "\(route.name): \(response.text)")
                }
            }
        }
        #expect(stage.admitted == Self.routes.map { InferenceEndpoint(method: "POST", uri: $0.path)! })
        #expect(stage.inspected.isEmpty)
        #expect(gateway.mock.requests.isEmpty)
    }

    @Test("a stage that changes the request is obeyed on every route; the client's own bytes are then never forwarded")
    func inspectEverywhere() async throws {
        let stage = RecordingStage(refuseAtAdmission: false)
        let gateway = try await Self.start(stages: [stage])
        defer { Task { await gateway.stop() } }
        try await DataPlaneTests.withConnection(gateway) { connection in
            for route in Self.routes {
                try await connection.send(Self.request(gateway, route.path, route.body, id: "inspect-\(route.name)"))
                let response = try await connection.readResponse()
                #expect(response.status == 200, "\(route.name): \(response.text)")
            }
        }
        #expect(stage.inspected.map(\.0) == Self.routes.map { InferenceEndpoint(method: "POST", uri: $0.path)! })
        // The stage set `user` on every chat: the upstream saw it, though the OpenAI-format
        // client's body (which has no `user`) could otherwise have been forwarded as sent.
        let chats = gateway.mock.requests.filter { $0.path.hasSuffix("/chat/completions") }
        #expect(chats.count == 6)
        for chat in chats { #expect(chat.body?["user"] == "changed-by-stage", "\(String(describing: chat.body))") }
    }

    // MARK: Completion events

    @Test("one completion event per request: success, upstream error, failover, timeout, refusal")
    func completeAnswers() async throws {
        let observer = RecordingObserver()
        let gateway = try await Self.start(observers: [observer], firstByteTimeout: 0.5)
        defer { Task { await gateway.stop() } }
        let cases: [(id: String, model: String, expected: CompletionEvent.Outcome, attempts: Int)] = [
            ("ok", "mock-chat", .answered, 1),
            ("upstream-error", "mock/error-400", .failed(status: 400, code: "UPSTREAM_REJECTED"), 1),
            ("failover", "fast-chat", .answered, 2),
            ("timeout", "mock/slow", .failed(status: 504, code: "UPSTREAM_TIMEOUT"), 1),
        ]
        try await DataPlaneTests.withConnection(gateway) { connection in
            for item in cases {
                try await connection.send(DataPlaneTests.chat(gateway, "x", model: item.model, id: item.id))
                _ = try await connection.readResponse()
            }
            try await connection.send(RawRequest.build("POST", "/v1/chat/completions", headers: [("X-Request-ID", "anonymous")],
                                                       body: DataPlaneTests.chatBody("x")))
            #expect(try await connection.readResponse().status == 401)
        }
        let events = try await observer.settle(count: cases.count + 1)
        for item in cases {
            let event = try #require(events.first { $0.requestID == item.id }, "\(item.id)")
            #expect(event.outcome == item.expected, "\(item.id): \(event.outcome)")
            #expect(event.attempts == item.attempts, "\(item.id)")
            #expect(event.principal?.tenantID == "acme" && event.endpoint == .chatCompletions)
        }
        let ok = try #require(events.first { $0.requestID == "ok" })
        #expect(ok.usage != nil && ok.providerID == "mock" && ok.requestedModel == "mock-chat" && ok.timeToFirstByte != nil)
        let refused = try #require(events.first { $0.requestID == "anonymous" })
        #expect(refused.outcome == .failed(status: 401, code: "AUTH_REQUIRED") && refused.principal == nil)
        #expect(gateway.gateway.runtime.engine.requestsInFlight == 0)
    }

    @Test("one completion event per stream: finished, failed mid-way, client gone mid-stream")
    func completeStreams() async throws {
        let observer = RecordingObserver()
        let gateway = try await Self.start(observers: [observer])
        defer { Task { await gateway.stop() } }
        try await DataPlaneTests.withConnection(gateway) { connection in
            try await connection.send(DataPlaneTests.chat(gateway, "x", stream: true, id: "finished"))
            _ = try await connection.readResponse()
            try await connection.send(DataPlaneTests.chat(gateway, "x", stream: true, model: "mock/error-stream", id: "failed"))
            _ = try await connection.readResponse()
        }
        let leaving = try await RawHTTPConnection.open(port: gateway.gateway.port)
        try await leaving.send(DataPlaneTests.chat(gateway, "x", stream: true, model: "mock/slow-stream", id: "gone"))
        try await Task.sleep(for: .milliseconds(350))
        await leaving.close()
        let events = try await observer.settle(count: 3)
        #expect(events.first { $0.requestID == "finished" }?.outcome == .streamFinished)
        #expect(events.first { $0.requestID == "finished" }?.usage != nil)
        if case .streamFailed = events.first(where: { $0.requestID == "failed" })?.outcome {} else {
            Issue.record("failed: \(String(describing: events.first { $0.requestID == "failed" }))")
        }
        #expect(events.first { $0.requestID == "gone" }?.outcome == .clientGone)
        // The upstream stream was cancelled, not read to its end.
        try await eventually { gateway.mock.abandonedStreams == 1 }
        #expect(gateway.gateway.runtime.engine.requestsInFlight == 0)
    }

    @Test("a client that leaves before a non-streaming answer cancels the upstream call and completes as clientGone")
    func clientGoneBeforeAnswer() async throws {
        let observer = RecordingObserver()
        let gateway = try await Self.start(observers: [observer], firstByteTimeout: 10)
        defer { Task { await gateway.stop() } }
        let leaving = try await RawHTTPConnection.open(port: gateway.gateway.port)
        let started = ContinuousClock.now
        try await leaving.send(DataPlaneTests.chat(gateway, "x", model: "mock/slow", id: "gone-early"))
        try await Task.sleep(for: .milliseconds(300))
        await leaving.close()
        let events = try await observer.settle(count: 1)
        #expect(events.first?.outcome == .clientGone)
        // The mock answers after 3 s: the event came from the cancellation, not from the answer.
        #expect(ContinuousClock.now - started < .milliseconds(2500))
        #expect(gateway.gateway.runtime.engine.requestsInFlight == 0)
    }

    @Test("clients that leave before their answers hold nothing and count nothing against the upstream's health")
    func clientsGoneKeepHealth() async throws {
        let observer = RecordingObserver()
        let gateway = try await TestGateway.start(firstByteTimeout: 10, breakerFailures: 2, observers: [observer])
        defer { Task { await gateway.stop() } }
        for index in 0..<4 {
            let leaving = try await RawHTTPConnection.open(port: gateway.gateway.port)
            try await leaving.send(DataPlaneTests.chat(gateway, "x", model: "mock/slow", id: "gone-\(index)"))
            try await Task.sleep(for: .milliseconds(150))
            await leaving.close()
        }
        let events = try await observer.settle(count: 4)
        #expect(events.allSatisfy { $0.outcome == .clientGone })
        #expect(gateway.gateway.runtime.engine.requestsInFlight == 0)
        let health = gateway.gateway.runtime.routing.health.health(of: "mock/slow", at: gateway.gateway.runtime.routing.clock())
        #expect(health.status == .unknown || health.status == .healthy, "\(health)")
    }

    @Test("refused requests pipelined with others are answered in order, and the connection goes on")
    func refusalsInOrder() async throws {
        let gateway = try await Self.start()
        defer { Task { await gateway.stop() } }
        try await DataPlaneTests.withConnection(gateway) { connection in
            let wrongKey = [("Authorization", "Bearer aigw_sk_" + String(repeating: "f", count: 48)), ("Content-Type", "application/json")]
            try await connection.send(DataPlaneTests.chat(gateway, "first", model: "mock/slow-short")
                                      + RawRequest.build("POST", "/v1/chat/completions", headers: wrongKey)
                                      + RawRequest.build("POST", "/v1/chat/completions", headers: wrongKey, body: "0123456789")
                                      + DataPlaneTests.chat(gateway, "last"))
            #expect(try await connection.readResponse().status == 200)
            #expect(try await connection.readResponse().status == 401)
            #expect(try await connection.readResponse().status == 401)
            try DataPlaneTests.expectChat(try await connection.readResponse(), "last", stream: false)
        }
    }

    @Test("past server.max_in_flight a request is refused with 503 OVERLOADED and Retry-After, and the slot comes back")
    func overloaded() async throws {
        let gateway = try await TestGateway.start(firstByteTimeout: 5) { $0.server.maxInFlight = 1 }
        defer { Task { await gateway.stop() } }
        let busy = try await RawHTTPConnection.open(port: gateway.gateway.port)
        try await busy.send(DataPlaneTests.chat(gateway, "x", model: "mock/slow-short"))
        try await Task.sleep(for: .milliseconds(150))
        try await DataPlaneTests.withConnection(gateway) { connection in
            try await connection.send(DataPlaneTests.chat(gateway, "second"))
            let refused = try await connection.readResponse()
            #expect(refused.status == 503 && refused.errorCode == "OVERLOADED" && refused.header("retry-after") == "1", "\(refused.text)")
            #expect(try await busy.readResponse().status == 200)
            try await connection.send(DataPlaneTests.chat(gateway, "third"))
            try DataPlaneTests.expectChat(try await connection.readResponse(), "third", stream: false)
        }
        await busy.close()
    }
}

/// Records what it saw; refuses every request at admission, or changes every chat.
final class RecordingStage: InferenceStage {
    let refuseAtAdmission: Bool
    private let seen = Mutex<(admitted: [InferenceEndpoint], inspected: [(InferenceEndpoint, String)])>(([], []))

    init(refuseAtAdmission: Bool) {
        self.refuseAtAdmission = refuseAtAdmission
    }

    var admitted: [InferenceEndpoint] { seen.withLock { $0.admitted } }
    var inspected: [(InferenceEndpoint, String)] { seen.withLock { $0.inspected } }

    func admit(_ context: InferenceContext) throws(GatewayError) {
        seen.withLock { $0.admitted.append(context.endpoint) }
        if refuseAtAdmission { throw GatewayError.forbidden("A stage refused this request.", code: "STAGE_REFUSED") }
    }

    func inspect(_ request: inout StagedRequest) async throws(GatewayError) {
        let endpoint = request.context.endpoint, model = request.payload.model
        seen.withLock { $0.inspected.append((endpoint, model)) }
        request.modify { payload in
            if case .chat(var chat) = payload {
                chat.user = "changed-by-stage"
                payload = .chat(chat)
            }
        }
    }
}

/// Collects completion events.
final class RecordingObserver: CompletionObserver {
    private let events = Mutex<[CompletionEvent]>([])

    func requestCompleted(_ event: CompletionEvent) {
        events.withLock { $0.append(event) }
    }

    /// Waits for `count` events, then a little longer to catch a second event for any request.
    func settle(count: Int) async throws -> [CompletionEvent] {
        try await eventually { self.events.withLock { $0.count } >= count }
        try await Task.sleep(for: .milliseconds(300))
        let all = events.withLock { $0 }
        #expect(all.count == count, "\(all.map { ($0.requestID, $0.outcome) })")
        #expect(Set(all.map(\.requestID)).count == all.count, "a request completed twice")
        return all
    }
}

/// Polls `condition` for up to five seconds.
func eventually(_ condition: @Sendable () -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let deadline = ContinuousClock.now + .seconds(5)
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("condition not met within 5 s", sourceLocation: sourceLocation)
            return
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}
