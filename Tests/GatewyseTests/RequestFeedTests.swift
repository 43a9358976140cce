import GatewyseCore
@testable import GatewyseEngine
import GatewyseStorage
import Testing

/// The live requests feed without HTTP: who sees which tenant's requests, the empty fast path,
/// unsubscribing, and the end of every feed when the process drains.
@Suite("Request feed")
struct RequestFeedTests {
    static func event(tenant: String, requestID: String) -> CompletionEvent {
        var event = UsageRecorderTests.event(.answered, principal: Principal(tenantID: tenant, keyID: "key_\(tenant)", keyName: "ci"))
        event.requestID = requestID
        return event
    }

    /// The events of a stream until `count` requests arrived (heartbeats and `connected` skipped).
    static func requests(_ stream: AsyncStream<RequestFeed.Event>, count: Int) async -> [UsageRecord] {
        var records: [UsageRecord] = []
        for await event in stream {
            if case .request(let record) = event { records.append(record) }
            if records.count == count { break }
        }
        return records
    }

    @Test func aSubscriberSeesOnlyItsTenantAndTheSystemViewSeesAll() async {
        let feed = RequestFeed()
        let acme = feed.subscribe(tenants: .one("acme"))
        let everyone = feed.subscribe(tenants: .all)
        #expect(feed.subscriberCount == 2)
        feed.requestCompleted(Self.event(tenant: "globex", requestID: "req_g"))
        feed.requestCompleted(Self.event(tenant: "acme", requestID: "req_a"))
        let seenByAcme = await Self.requests(acme, count: 1)
        let seenByAll = await Self.requests(everyone, count: 2)
        #expect(seenByAcme.map(\.requestID) == ["req_a"])
        #expect(seenByAll.map(\.requestID) == ["req_g", "req_a"])
        #expect(seenByAcme.first?.providerID == "mock" && seenByAcme.first?.status == 200)
    }

    @Test func anUnauthenticatedRequestIsNotShown() async {
        let feed = RequestFeed()
        let stream = feed.subscribe(tenants: .all)
        feed.requestCompleted(UsageRecorderTests.event(.failed(status: 401, code: "AUTH_INVALID_KEY"), principal: nil))
        feed.requestCompleted(Self.event(tenant: "acme", requestID: "req_after"))
        #expect(await Self.requests(stream, count: 1).map(\.requestID) == ["req_after"])
    }

    @Test func aSubscriberThatStopsReadingIsRemoved() async {
        let feed = RequestFeed()
        do {
            var iterator = feed.subscribe(tenants: .all).makeAsyncIterator()
            guard case .connected? = await iterator.next() else { Issue.record("no connected event first"); return }
            #expect(feed.subscriberCount == 1)
        }
        // The stream and its iterator are gone: the subscription ends with them.
        #expect(feed.subscriberCount == 0)
        feed.requestCompleted(Self.event(tenant: "acme", requestID: "req_nobody"))
    }

    @Test func closingEndsEveryFeedAndRefusesNewOnes() async {
        let feed = RequestFeed()
        let open = feed.subscribe(tenants: .all)
        feed.heartbeat()
        feed.close()
        var events: [String] = []
        for await event in open {
            switch event {
            case .connected: events.append("connected")
            case .heartbeat: events.append("heartbeat")
            case .request: events.append("request")
            }
        }
        #expect(events == ["connected", "heartbeat"])
        var late = feed.subscribe(tenants: .all).makeAsyncIterator()
        #expect(await late.next() == nil)
        #expect(feed.subscriberCount == 0)
    }
}
