import GatewyseEngine
import NIOConcurrencyHelpers
import NIOCore

/// An upstream response body handed from the channel (producer, on its event loop) to the task
/// serving the client (consumer). Backpressure: past `highWatermark` buffered bytes the handler
/// stops reading from the socket until the consumer catches up. Dropping the stream before its
/// end closes the connection, which cancels the upstream call.
final class UpstreamBodyStream: @unchecked Sendable {
    // @unchecked: all mutable state is behind `state`'s lock.
    private struct State {
        var buffers: CircularBuffer<ByteBuffer> = CircularBuffer(initialCapacity: 4)
        var bufferedBytes = 0
        var finished = false
        var failure: (any Error)?
        var waiter: CheckedContinuation<ByteBuffer?, any Error>?
        var consumerGone = false
    }

    private let state = NIOLockedValueBox(State())
    static let highWatermark = 256 * 1024
    /// Called (on any thread) when the consumer has drained below the watermark, or gave up.
    /// It is handed the stream rather than capturing anything per exchange: the producer's
    /// exchange holds the stream, so a closure capturing that exchange was a retain cycle that
    /// kept every exchange, its stream and its response head alive (~1.5 KB per request).
    private let onDemand: @Sendable (_ stream: UpstreamBodyStream, _ consumerGone: Bool) -> Void

    init(onDemand: @escaping @Sendable (UpstreamBodyStream, Bool) -> Void) {
        self.onDemand = onDemand
    }

    func demand(consumerGone: Bool) {
        onDemand(self, consumerGone)
    }

    var isDone: Bool { state.withLockedValue { $0.finished || $0.failure != nil } }

    // MARK: Producer side (event loop)

    /// Returns whether the producer may keep reading.
    func append(_ buffer: ByteBuffer) -> Bool {
        let (waiter, keepReading): (CheckedContinuation<ByteBuffer?, any Error>?, Bool) = state.withLockedValue {
            if let waiter = $0.waiter {
                $0.waiter = nil
                return (waiter, true)
            }
            $0.buffers.append(buffer)
            $0.bufferedBytes += buffer.readableBytes
            return (nil, $0.bufferedBytes < Self.highWatermark)
        }
        waiter?.resume(returning: buffer)
        return keepReading
    }

    func finish() {
        let waiter = state.withLockedValue { s -> CheckedContinuation<ByteBuffer?, any Error>? in
            s.finished = true
            defer { s.waiter = nil }
            return s.buffers.isEmpty ? s.waiter : nil
        }
        waiter?.resume(returning: nil)
    }

    /// Fails the stream unless it already ended; returns whether it did.
    @discardableResult
    func fail(_ error: any Error) -> Bool {
        let (failed, waiter) = state.withLockedValue { s -> (Bool, CheckedContinuation<ByteBuffer?, any Error>?) in
            guard !s.finished, s.failure == nil else { return (false, nil) }
            s.failure = error
            defer { s.waiter = nil }
            return (true, s.waiter)
        }
        waiter?.resume(throwing: error)
        return failed
    }

    // MARK: Consumer side

    func nextBuffer() async throws -> ByteBuffer? {
        enum Step { case value(ByteBuffer?, resumeReading: Bool), failure(any Error), wait }
        let step: Step = state.withLockedValue {
            if let buffer = $0.buffers.popFirst() {
                let wasAbove = $0.bufferedBytes >= Self.highWatermark
                $0.bufferedBytes -= buffer.readableBytes
                return .value(buffer, resumeReading: wasAbove && $0.bufferedBytes < Self.highWatermark)
            }
            if let failure = $0.failure { return .failure(failure) }
            if $0.finished { return .value(nil, resumeReading: false) }
            return .wait
        }
        switch step {
        case .value(let buffer, let resumeReading):
            if resumeReading { demand(consumerGone: false) }
            return buffer
        case .failure(let error):
            throw error
        case .wait:
            // A cancelled task (the client left) fails the wait and closes the connection.
            return try await withTaskCancellationHandler {
                try await waitForBuffer()
            } onCancel: {
                // A stream that already ended has handed its connection back: leave it alone.
                if fail(CancellationError()) { demand(consumerGone: true) }
            }
        }
    }

    private func waitForBuffer() async throws -> ByteBuffer? {
        try await withCheckedThrowingContinuation { continuation in
                let immediate: Result<ByteBuffer?, any Error>? = state.withLockedValue {
                    if let buffer = $0.buffers.popFirst() {
                        $0.bufferedBytes -= buffer.readableBytes
                        return .success(buffer)
                    }
                    if let failure = $0.failure { return .failure(failure) }
                    if $0.finished { return .success(nil) }
                    $0.waiter = continuation
                    return nil
                }
            if let immediate { continuation.resume(with: immediate) }
            // The socket may be paused at the watermark with everything consumed: ask for more.
            else { demand(consumerGone: false) }
        }
    }
}

/// The consumer's handle on an upstream body. The channel handler holds the stream, not this
/// handle, so when the consumer lets go (the client disconnected) the handle's deinit tells the
/// connection to close, cancelling the upstream call.
final class UpstreamBodyHandle: UpstreamBody, @unchecked Sendable {
    // @unchecked: used by the single task serving the response.
    let stream: UpstreamBodyStream

    init(_ stream: UpstreamBodyStream) {
        self.stream = stream
    }

    deinit {
        if !stream.isDone { stream.demand(consumerGone: true) }
    }

    func next() async throws -> [UInt8]? {
        guard let buffer = try await stream.nextBuffer() else { return nil }
        return Array(buffer: buffer)
    }

    func collect(upTo limit: Int) async throws -> [UInt8] {
        var out: [UInt8] = []
        while let buffer = try await stream.nextBuffer() {
            guard out.count + buffer.readableBytes <= limit else { throw UpstreamTransportError.bodyTooLarge(limit: limit) }
            buffer.withUnsafeReadableBytes { out.append(contentsOf: $0) }
        }
        return out
    }
}
