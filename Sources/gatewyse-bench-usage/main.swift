import Foundation
import GatewyseCore
import GatewyseEngine
import GatewyseStorage
import Logging

/// The usage observer's cost per request, in the build it runs in (`swift build -c release
/// --product gatewyse-bench-usage`): what `UsageRecorder.requestCompleted` does after building
/// the record — mint the record id, read the clock, lock, encode the journal line, one
/// `write(2)` on the segment, queue — for `iterations` records, three rounds, the queue flushed
/// (to memory) between rounds. The journal goes to `GATEWYSE_BENCH_DIR` (default: a folder
/// under the system's temporary directory), so the disk it measures is chosen.
let iterations = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 200_000
let base = ProcessInfo.processInfo.environment["GATEWYSE_BENCH_DIR"] ?? FileManager.default.temporaryDirectory.path
let directory = base + "/gatewyse-bench-usage-\(getpid())"
defer { try? FileManager.default.removeItem(atPath: directory) }

let recorder = UsageRecorder(capacity: .max, journalDirectory: directory)
let template = UsageRecord(id: "", requestID: "req_0123456789abcdef01234567", time: 0, tenantID: "acme", organizationID: "eng",
                           departmentID: "ml", userID: "usr_5f2c9a1b3d4e", keyID: "key_8a7b6c5d4e3f2a1b0c9d8e7f", capability: "chat",
                           requestedModel: "gpt-4o-mini", providerID: "openai", upstreamModel: "gpt-4o-mini-2024-07-18", inputTokens: 1200,
                           outputTokens: 300, cachedTokens: 200, reasoningTokens: 0, costNanos: 360_000, latencyMs: 900, ttftMs: 80, status: 200,
                           attempts: 1)

func run() async throws {
    try await recorder.start(replayingInto: InMemoryStore(), logger: Logger(label: "bench"))
    for round in 1...3 {
        let start = ContinuousClock.now
        for _ in 0..<iterations {
            var record = template
            record.id = IDGenerator.usageRecordID()
            record.time = UnixClock.milliseconds()
            recorder.record(record)
        }
        let elapsed = ContinuousClock.now - start
        let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        print(String(format: "round %d: %.2f µs per record (%d records, journal in %@)", round, nanoseconds / Double(iterations) / 1000,
                     iterations, directory))
        _ = try await recorder.flush(to: InMemoryStore())
    }
    recorder.close()
}

try await run()
