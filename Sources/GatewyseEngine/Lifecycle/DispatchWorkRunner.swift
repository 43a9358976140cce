import Dispatch

/// `BlockingWorkRunner` on a Dispatch queue: for a runtime built without the server's thread
/// pool (the CLI, tests). Dispatch's threads are never NIO's event loops, so blocking work there
/// still leaves the loops alone.
public struct DispatchWorkRunner: BlockingWorkRunner {
    private let queue: DispatchQueue

    public init(label: String = "gatewyse.blocking-work") {
        queue = DispatchQueue(label: label, qos: .userInitiated, attributes: .concurrent)
    }

    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }
}
