/// Runs CPU-heavy work away from the event loops (ARCHITECTURE §6), so that one large request
/// body — a megabyte of JSON takes tens of milliseconds to parse — never stalls the other
/// connections of its loop. The server provides a thread pool; the engine stays free of NIO.
public protocol BlockingWorkRunner: Sendable {
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T
}
