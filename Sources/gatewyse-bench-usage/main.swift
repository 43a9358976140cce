import Foundation
import GatewyseCore
import GatewyseEngine
import GatewyseSQLite
import GatewyseStorage
import Logging

/// The usage observer's cost per request, in the build it runs in (`swift build -c release
/// --product gatewyse-bench-usage`): what `UsageRecorder.requestCompleted` does after building
/// the record — mint the record id, read the clock, lock, encode the journal line, one
/// `write(2)` on the segment, queue — for `iterations` records, three rounds, the queue flushed
/// (to memory) between rounds. The journal goes to `GATEWYSE_BENCH_DIR` (default: a folder
/// under the system's temporary directory), so the disk it measures is chosen.
///
/// Then what the usage writer costs per row in the SQLite store (the default backend), off the
/// request path but on the same CPUs: the records stored in batches of `flush_batch` (500, the
/// default), each batch one write transaction with its rollup, as the flusher stores them.
/// The arguments, in order (each at least 1): records, batch size, distinct keys, distinct users.
func argument(_ position: Int, default value: Int) -> Int {
    max(1, CommandLine.arguments.dropFirst(position).first.flatMap(Int.init) ?? value)
}
let iterations = argument(1, default: 200_000)
let batch = argument(2, default: 500)
/// Distinct keys and users among the rows (each pair a rollup bucket per hour).
let keys = argument(3, default: 7)
let users = argument(4, default: 13)
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
    try await storeRounds()
}

/// Rows stored per round: distinct ids, times a millisecond apart, a few keys and users, as
/// load from one tenant would give.
func storeRounds() async throws {
    let store = try SQLiteStore(path: directory + "/bench.sqlite")
    var time = UnixClock.milliseconds()
    for round in 1...3 {
        var records: [UsageRecord] = []
        records.reserveCapacity(iterations)
        for index in 0..<iterations {
            var record = template
            record.id = IDGenerator.usageRecordID()
            record.requestID = IDGenerator.requestID()
            record.time = time
            record.keyID = "key_\(index % keys)"
            record.userID = "usr_\(index % users)"
            time += 1
            records.append(record)
        }
        let start = ContinuousClock.now, cpuStart = processCPUNanoseconds()
        var stored = 0
        while stored < records.count {
            let end = min(stored + batch, records.count)
            try await store.appendUsage(Array(records[stored..<end]))
            stored = end
        }
        let elapsed = ContinuousClock.now - start
        let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        let cpu = Double(processCPUNanoseconds() - cpuStart)
        print(String(format: "store round %d: %.2f µs per row, %.2f µs of CPU (%d rows in batches of %d, SQLite in %@)", round,
                     nanoseconds / Double(iterations) / 1000, cpu / Double(iterations) / 1000, iterations, batch, directory))
    }
}

try await run()

/// CPU time of the whole process (every thread): the writer's work wherever GRDB runs it.
func processCPUNanoseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}
