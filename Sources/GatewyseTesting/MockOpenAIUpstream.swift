import GatewyseCore
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A mock OpenAI-compatible upstream on loopback, faithful to the Chat Completions wire format
/// (providers.md §1 and §5): JSON answers, SSE streams with a role opener, content pieces,
/// tool-call deltas, a finish chunk, an optional usage chunk and `[DONE]`; OpenAI error bodies;
/// latency; connection resets. Written on raw SwiftNIO so it can misbehave on purpose.
///
/// The scenario is chosen by the request's `model` (see `MockScenario`). Every request is
/// recorded, and readable over HTTP at `GET /__mock/requests`.
public final class MockOpenAIUpstream: MockUpstream, @unchecked Sendable {
    /// Starts listening on 127.0.0.1 (port 0: any free port).
    public static func start(port: Int = 0, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> MockOpenAIUpstream {
        let recorder = MockRecorder()
        let channel = try await MockServer.bind(port: port, group: group, recorder: recorder) { MockHTTPHandler(recorder: recorder) }
        return MockOpenAIUpstream(port: channel.localAddress?.port ?? port, channel: channel, recorder: recorder)
    }

    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// Streams whose client went away before the mock finished sending.
    public var abandonedStreams: Int { recorder.abandonedStreams }
    /// Connections open to the mock right now.
    public var openConnectionCount: Int { recorder.openChannels().count }
    /// The most `slow` answers held at once since the mock started.
    public var peakConcurrentSlowAnswers: Int { recorder.peakSlowAnswers }
}

/// One request as the mock received it.
public struct RecordedRequest: Sendable {
    public var method: String
    public var path: String
    /// Lower-cased header names.
    public var headers: [String: String]
    public var body: JSONValue?
}

final class MockRecorder: Sendable {
    private struct State {
        var requests: [RecordedRequest] = []
        var abandonedStreams = 0
        var channels: [ObjectIdentifier: any Channel] = [:]
        var slowAnswers = 0
        var peakSlowAnswers = 0
    }
    private let state = NIOLockedValueBox(State())

    var requests: [RecordedRequest] { state.withLockedValue { $0.requests } }
    var abandonedStreams: Int { state.withLockedValue { $0.abandonedStreams } }
    func record(_ request: RecordedRequest) {
        state.withLockedValue {
            // Bounded so a benchmark run cannot grow memory.
            if $0.requests.count >= 1000 { $0.requests.removeFirst(500) }
            $0.requests.append(request)
        }
    }
    func streamAbandoned() { state.withLockedValue { $0.abandonedStreams += 1 } }
    func reset() { state.withLockedValue { $0.requests = []; $0.abandonedStreams = 0 } }

    func track(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        state.withLockedValue { $0.channels[id] = channel }
        channel.closeFuture.whenComplete { _ in _ = self.state.withLockedValue { $0.channels.removeValue(forKey: id) } }
    }

    /// Requests of a `slow` scenario being held at once, and the most seen: how many exchanges
    /// the gateway ran in parallel, whatever the mock's view of half-closed connections.
    func slowAnswerStarted() {
        state.withLockedValue { $0.slowAnswers += 1; $0.peakSlowAnswers = max($0.peakSlowAnswers, $0.slowAnswers) }
    }
    func slowAnswerEnded() { state.withLockedValue { $0.slowAnswers -= 1 } }
    var peakSlowAnswers: Int { state.withLockedValue { $0.peakSlowAnswers } }

    func openChannels() -> [any Channel] { state.withLockedValue { Array($0.channels.values) } }
}
