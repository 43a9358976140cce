import GatewyseCore
@testable import GatewyseEngine
import GatewyseStorage
import Synchronization
import Testing

/// Key last-use times from completion events: one entry per key with its latest second, the
/// recorder's lock taken once per principal and second (`Principal.claimUse`).
@Suite("Key-use recorder")
struct KeyUseRecorderTests {
    @Test("uses are recorded per key at their latest second; repeats within a second are claimed once")
    func recordsLatestSecond() {
        let now = Mutex<Int64>(10)
        let recorder = KeyUseRecorder(clock: { now.withLock { $0 } })
        // Its own: a principal remembers the uses it claimed for as long as it lives.
        let principal = Principal(tenantID: "acme", keyID: "key_1", keyName: "ci")
        let event = UsageRecorderTests.event(.answered, principal: principal)
        recorder.requestCompleted(event)
        recorder.requestCompleted(event)
        #expect(recorder.drain() == [KeyUse(tenantID: "acme", keyID: "key_1", time: 10)])

        // Claimed already: the same second is not recorded again after the drain (it was stored).
        recorder.requestCompleted(event)
        #expect(recorder.drain().isEmpty)

        now.withLock { $0 = 11 }
        recorder.requestCompleted(event)
        recorder.requestCompleted(event)
        #expect(recorder.drain() == [KeyUse(tenantID: "acme", keyID: "key_1", time: 11)])

        // A principal rebuilt by a reload claims its own uses; the recorder keeps the latest per key.
        let reloaded = Principal(tenantID: "acme", keyID: "key_1", keyName: "ci")
        recorder.requestCompleted(UsageRecorderTests.event(.answered, principal: reloaded))
        #expect(recorder.drain() == [KeyUse(tenantID: "acme", keyID: "key_1", time: 11)])
        // A request that never authenticated has no key to record.
        recorder.requestCompleted(UsageRecorderTests.event(.failed(status: 401, code: "UNAUTHORIZED"), principal: nil))
        #expect(recorder.drain().isEmpty)
    }

    @Test("a principal claims each new time once, however many callers race for it")
    func claimUseOnce() async {
        let principal = Principal(tenantID: "acme", keyID: "key_1", keyName: "ci")
        #expect(principal.claimUse(at: 5))
        #expect(!principal.claimUse(at: 5))
        // A wall clock stepped back: the earlier time is claimed too (the recorder keeps the latest).
        #expect(principal.claimUse(at: 4))
        let claims = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<64 { group.addTask { principal.claimUse(at: 6) } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(claims == 1)
    }
}
