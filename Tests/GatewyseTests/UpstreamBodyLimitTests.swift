@testable import GatewyseEngine
import Synchronization
import Testing

@Suite("Upstream answers larger than the gateway reads")
struct UpstreamBodyLimitTests {
    /// Counts how many reads the gateway asked for.
    final class CountingBody: UpstreamBody {
        let reads = Mutex(0)
        let chunks: [[UInt8]]
        init(_ chunks: [[UInt8]]) { self.chunks = chunks }
        func next() async throws -> [UInt8]? {
            let index = reads.withLock { count in defer { count += 1 }; return count }
            return index < chunks.count ? chunks[index] : nil
        }
    }

    @Test("a body declaring more than the limit is refused before a byte is read")
    func declaredOversizeIsRefusedUnread() async throws {
        let body = CountingBody([[UInt8](repeating: 97, count: 10)])
        let response = UpstreamResponse(status: 200, headers: [("Content-Length", "209715200")], body: body)
        await #expect(throws: UpstreamTransportError.bodyTooLarge(limit: 1024)) {
            _ = try await response.collectBody(upTo: 1024)
        }
        #expect(body.reads.withLock { $0 } == 0)
    }

    @Test("an undeclared body is read until it passes the limit")
    func undeclaredOversizeFailsAtTheLimit() async throws {
        let body = CountingBody(Array(repeating: [UInt8](repeating: 97, count: 600), count: 5))
        let response = UpstreamResponse(status: 200, headers: [], body: body)
        await #expect(throws: UpstreamTransportError.bodyTooLarge(limit: 1024)) {
            _ = try await response.collectBody(upTo: 1024)
        }
        #expect(body.reads.withLock { $0 } == 2)
    }

    @Test("a body within its declared length is returned whole")
    func withinLimitIsReturned() async throws {
        let body = CountingBody([[1, 2], [3]])
        let response = UpstreamResponse(status: 200, headers: [("content-length", "3")], body: body)
        #expect(try await response.collectBody(upTo: 3) == [1, 2, 3])
    }
}
