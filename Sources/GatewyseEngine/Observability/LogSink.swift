#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// Where log lines go: appended to a buffer under a short lock and written to the file
/// descriptor by a thread of its own, so that no event loop ever blocks on a pipe or terminal
/// that is slow to drain. Past `capacity` buffered bytes, new lines are dropped and counted
/// rather than held (a log must not take the gateway's memory).
public final class LogSink: Sendable {
    private struct State {
        var buffer: [UInt8] = []
        var dropped = 0
        var writing = false
    }

    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    /// Serializes writers (the thread and `flush`), so lines never interleave.
    private let writeLock = Mutex(())
    private let descriptor: Int32
    private let capacity: Int

    /// Standard output, started once per process.
    public static let standardOutput = LogSink(descriptor: 1)

    public init(descriptor: Int32, capacity: Int = 8 << 20) {
        self.descriptor = descriptor
        self.capacity = capacity
        let thread = Thread { [self] in self.run() }
        thread.name = "gatewyse-log"
        thread.start()
    }

    /// Lines dropped because the buffer was full.
    public var droppedLines: Int { state.withLock { $0.dropped } }

    /// Queues one line (it must end with a newline).
    public func write(_ line: [UInt8]) {
        let wasEmpty = state.withLock { state -> Bool in
            guard state.buffer.count + line.count <= capacity else {
                state.dropped += 1
                return false
            }
            let wasEmpty = state.buffer.isEmpty
            state.buffer.append(contentsOf: line)
            return wasEmpty
        }
        if wasEmpty { wake.signal() }
    }

    /// Writes what is queued now, on the caller's thread (at exit).
    public func flush() {
        writeLock.withLock { _ in writeOut(take()) }
    }

    private func take() -> [UInt8] {
        state.withLock { state in
            let taken = state.buffer
            state.buffer = []
            state.buffer.reserveCapacity(min(taken.count, 64 << 10))
            return taken
        }
    }

    private func run() {
        while true {
            wake.wait()
            writeLock.withLock { _ in writeOut(take()) }
        }
    }

    private func writeOut(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return  // a closed stdout: the lines are lost, the gateway goes on
                }
                offset += written
            }
        }
    }
}
