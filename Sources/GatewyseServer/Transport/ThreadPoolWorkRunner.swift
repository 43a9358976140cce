import GatewyseEngine
import NIOCore
import NIOPosix

/// `BlockingWorkRunner` on NIO's thread pool: large request bodies are decoded there, not on the
/// event loop that read them.
final class ThreadPoolWorkRunner: BlockingWorkRunner {
    private let pool: NIOThreadPool

    /// One thread per two cores, at least one: decoding a large body is rare, and the event loops
    /// keep the rest.
    init() {
        pool = NIOThreadPool(numberOfThreads: max(1, System.coreCount / 2))
        pool.start()
    }

    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(work)
    }

    func shutdown() async {
        try? await pool.shutdownGracefully()
    }
}
