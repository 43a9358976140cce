import GatewyseCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// A mock Anthropic Messages upstream on loopback, faithful to providers.md §2 and the §5
/// checklist: `POST /v1/messages` validated as the real API does (400 `invalid_request_error`
/// with a precise message), JSON answers with content blocks and cache-aware usage, named-event
/// SSE streams in the documented order (`message_start`, `content_block_start`, `ping`,
/// `content_block_delta`s, `content_block_stop`, `message_delta`, `message_stop`), Anthropic
/// error bodies, 429 with `retry-after` and RFC 3339 `anthropic-ratelimit-*-reset` headers, 529,
/// and an `error` event after a 200.
///
/// The scenario is chosen by the request's `model` (see `MockAnthropicScenario`). Every request is
/// recorded, and readable over HTTP at `GET /__mock/requests`.
public final class MockAnthropicUpstream: MockUpstream, @unchecked Sendable {
    /// Starts listening on 127.0.0.1 (port 0: any free port).
    public static func start(port: Int = 0, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> MockAnthropicUpstream {
        let recorder = MockRecorder()
        let channel = try await MockServer.bind(port: port, group: group, recorder: recorder) { MockAnthropicHTTPHandler(recorder: recorder) }
        return MockAnthropicUpstream(port: channel.localAddress?.port ?? port, channel: channel, recorder: recorder)
    }

    /// The base URL to configure, as Anthropic documents its own: no version segment (the
    /// adapter appends `/v1/messages`).
    public var baseURLWithoutV1: String { "http://127.0.0.1:\(port)" }
    /// Same as `baseURLWithoutV1`: Anthropic's base URL has no `/v1`.
    public var baseURL: String { baseURLWithoutV1 }

    /// The message the mock would refuse this request with (header names lower-cased), or nil
    /// when it is valid: lets adapter tests check their bodies without a socket.
    public static func validationError(headers: [String: String], body: JSONValue?) -> String? {
        MockAnthropicValidator.validate(headers: headers, body: body)?.message
    }
}
