import Foundation
import GatewyseCore
@testable import GatewyseEngine
import GatewyseStorage
import Logging
import Synchronization
import Testing

/// The usage pipeline without HTTP (decisions/0011): records built from completion events, the
/// journal's lines and segments, replay after a crash, the flush with its retries, and the
/// backpressure that refuses requests rather than drop records.
@Suite("Usage recorder and journal")
struct UsageRecorderTests {
    static let principal = Principal(tenantID: "acme", keyID: "key_1", keyName: "ci", organizationID: "org_1", departmentID: "dept_1",
                                     userID: "usr_1")
    static let logger = Logger(label: "usage-test")

    static func event(_ outcome: CompletionEvent.Outcome, principal: Principal? = principal, usage: Usage? = nil, cost: Money? = nil,
                      attempts: Int = 1) -> CompletionEvent {
        CompletionEvent(requestID: "req_1", endpoint: .chatCompletions, principal: principal, requestedModel: "fast", outcome: outcome,
                        providerID: "mock", upstreamModel: "mock-chat", attempts: attempts, usage: usage, usageEstimated: false, cost: cost,
                        cacheStatus: .notConsulted, timeToFirstByte: .milliseconds(42), duration: .milliseconds(1234))
    }

    static func directory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("gw-usage-\(UUID().uuidString)").path
    }

    static func segments(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".journal") }.sorted()
    }

    static func record(_ i: Int, model: String? = "fast") -> UsageRecord {
        UsageRecord(id: "usg_\(i)", requestID: "req_\(i)", time: 1_767_571_200_000 + Int64(i), tenantID: "acme", keyID: "key_1",
                    capability: "chat", requestedModel: model, providerID: "mock", upstreamModel: "mock-chat", inputTokens: i, outputTokens: 1,
                    costNanos: Int64(i) * 10, latencyMs: 5, status: 200, attempts: 1)
    }

    // MARK: Records

    @Test("a record from an answered event: who, what, tokens with cache reads, writes and reasoning, cost, timings")
    func answeredRecord() throws {
        var usage = Usage(promptTokens: 100, completionTokens: 40)
        usage.cachedPromptTokens = 60
        usage.reasoningTokens = 25
        usage.cacheWriteTokens = 30
        let record = try #require(UsageRecord(Self.event(.answered, usage: usage, cost: Money(nanos: 123_456)), id: "usg_x", time: 99))
        #expect(record == UsageRecord(id: "usg_x", requestID: "req_1", time: 99, tenantID: "acme", organizationID: "org_1",
                                      departmentID: "dept_1", userID: "usr_1", keyID: "key_1", capability: "chat", requestedModel: "fast",
                                      providerID: "mock", upstreamModel: "mock-chat", inputTokens: 100, outputTokens: 40, cachedTokens: 60,
                                      cacheWriteTokens: 30, reasoningTokens: 25, costNanos: 123_456, latencyMs: 1234, ttftMs: 42, status: 200,
                                      errorCode: nil, attempts: 1, cacheHit: false, usageEstimated: false, outcome: .answered))
        #expect(!record.isError && record.isServed)
    }

    @Test("refusals after authentication are recorded with status, code and no tokens; unauthenticated requests are not")
    func refusalsAndEndings() throws {
        let refused = try #require(UsageRecord(Self.event(.failed(status: 403, code: "CAPABILITY_NOT_ALLOWED"), attempts: 0), id: "a", time: 1))
        #expect(refused.status == 403 && refused.errorCode == "CAPABILITY_NOT_ALLOWED" && refused.inputTokens == 0 && refused.costNanos == nil)
        #expect(refused.isError && !refused.isServed && refused.outcome == .failed)
        let broken = try #require(UsageRecord(Self.event(.streamFailed(code: "UPSTREAM_STREAM_INTERRUPTED")), id: "b", time: 1))
        #expect(broken.status == 200 && broken.errorCode == "UPSTREAM_STREAM_INTERRUPTED" && broken.outcome == .streamFailed)
        let gone = try #require(UsageRecord(Self.event(.clientGone, usage: Usage(promptTokens: 5, completionTokens: 3)), id: "c", time: 1))
        #expect(gone.status == 499 && gone.errorCode == nil && gone.outputTokens == 3 && !gone.isError)
        #expect(UsageRecord(Self.event(.failed(status: 401, code: "AUTH_INVALID_KEY"), principal: nil), id: "d", time: 1) == nil)
    }

    @Test("request and record ids: their prefix, the process's random part, then a 12-digit hex counter, each one new")
    func ids() {
        let requests = (0..<3).map { _ in IDGenerator.requestID() }
        let records = (0..<3).map { _ in IDGenerator.usageRecordID() }
        for (ids, prefix) in [(requests, "req_"), (records, "usg_")] {
            #expect(Set(ids).count == 3)
            for id in ids {
                #expect(id.hasPrefix(prefix) && id.utf8.count == 4 + 12 + 12)
                #expect(id.dropFirst(4).allSatisfy { "0123456789abcdef".contains($0) })
            }
            // The same process part, then a counter that only grows (other tests count too).
            #expect(ids.map { $0.dropFirst(4).prefix(12) } == Array(repeating: ids[0].dropFirst(4).prefix(12), count: 3))
            let counters = ids.map { UInt64($0.suffix(12), radix: 16)! }
            #expect(counters[0] < counters[1] && counters[1] < counters[2])
        }
        #expect(requests[0].dropFirst(4).prefix(12) == records[0].dropFirst(4).prefix(12))
    }

    // MARK: Journal

    @Test("a journal line round-trips every field, escapes included, and is one line")
    func lineRoundTrip() throws {
        var odd = UsageRecord(id: "usg_\"q\"", requestID: "req\n2", time: -5, tenantID: "acme", organizationID: nil, userID: "usr_é🙂",
                              keyID: "key_1", capability: "embeddings", requestedModel: "a,b\\c", providerID: nil, upstreamModel: nil,
                              inputTokens: Int.max, costNanos: -7, ttftMs: nil, status: 499, errorCode: "X", attempts: 3, cacheHit: true,
                              usageEstimated: true, outcome: .clientGone)
        odd.cacheWriteTokens = 9
        for record in [odd, Self.record(1, model: nil)] {
            var line: [UInt8] = []
            UsageJournalLine.encode(record, into: &line)
            #expect(line.last == UInt8(ascii: "\n") && line.dropLast().allSatisfy { $0 != UInt8(ascii: "\n") })
            #expect(UsageJournalLine.decode(line.dropLast()) == record)
        }
    }

    @Test("the line buffer is reused across records of every size: a long, escape-heavy record after a short one, then a short one again")
    func lineBufferReuse() throws {
        var long = Self.record(2)
        long.userID = String(repeating: "\u{01}\"é", count: 700) + "tail"
        long.errorCode = String(repeating: "x", count: 3000)
        let buffer = UsageJournalLineBuffer(capacity: 16)
        for record in [Self.record(1), long, Self.record(3, model: nil), long.withID("usg_long_2")] {
            UsageJournalLine.encode(record, into: buffer)
            let line = Array(buffer.bytes)
            #expect(line.count <= UsageJournalLine.maximumSize(record))
            #expect(line.last == UInt8(ascii: "\n") && line.dropLast().allSatisfy { $0 != UInt8(ascii: "\n") })
            #expect(UsageJournalLine.decode(line.dropLast()) == record)
            #expect(try JSONSerialization.jsonObject(with: Data(line)) is [Any])
        }
    }

    @Test("a segment's torn last line and a damaged line are skipped and counted; the others are read")
    func tornLines() {
        var bytes: [UInt8] = []
        for i in 0..<3 { UsageJournalLine.encode(Self.record(i), into: &bytes) }
        bytes += Array("[1,\"garbage\"]\n".utf8)
        var last: [UInt8] = []
        UsageJournalLine.encode(Self.record(9), into: &last)
        bytes += last.prefix(last.count / 2)
        let (records, skipped) = UsageJournal.parse(bytes)
        #expect(records == (0..<3).map { Self.record($0) })
        #expect(skipped == 2)
        #expect(UsageJournal.parse([]).records.isEmpty && UsageJournal.parse([]).skipped == 0)
    }

    @Test("zeros between and after lines (a segment's reserved tail, never cut by a killed process) are skipped, not counted; a torn line before them is")
    func zeroPaddedSegment() {
        var bytes: [UInt8] = []
        UsageJournalLine.encode(Self.record(0), into: &bytes)
        bytes += [UInt8](repeating: 0, count: 64)
        UsageJournalLine.encode(Self.record(1), into: &bytes)
        var last: [UInt8] = []
        UsageJournalLine.encode(Self.record(2), into: &last)
        bytes += last.prefix(10) + [UInt8](repeating: 0, count: 4096)
        let (records, skipped) = UsageJournal.parse(bytes)
        #expect(records == [Self.record(0), Self.record(1)])
        #expect(skipped == 1)
        #expect(UsageJournal.parse([UInt8](repeating: 0, count: 100)) == ([], 0))
    }

    @Test("a segment that outgrows its reserved size grows, and every line survives a crash; a closed segment is cut to its lines",
          arguments: [true, false])
    func segmentGrowsAndIsCut(mapped: Bool) async throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var crashed: UsageRecorder? = UsageRecorder(capacity: 100_000, journalDirectory: directory, mapsJournal: mapped)
        try await crashed!.start(replayingInto: InMemoryStore(), logger: Self.logger)
        var line: [UInt8] = []
        UsageJournalLine.encode(Self.record(0), into: &line)
        let count = 3 * UsageJournal.initialSegmentBytes / line.count
        for i in 0..<count { crashed!.record(Self.record(i)) }
        #expect(crashed!.journalWriteFailures == 0)
        crashed = nil
        let store = InMemoryStore()
        let restarted = UsageRecorder(capacity: 100, journalDirectory: directory)
        let replayed = try await restarted.start(replayingInto: store, logger: Self.logger)
        #expect(replayed.records == count && replayed.skippedLines == 0)
        #expect(try await store.recentRequests(RecentRequestsQuery(tenants: .all, limit: 10)).first == Self.record(count - 1))

        restarted.record(Self.record(1))
        restarted.close()
        let segment = try #require(Self.segments(directory).first)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/" + segment)))
        var expected: [UInt8] = []
        UsageJournalLine.encode(Self.record(1), into: &expected)
        #expect(bytes == expected)
    }

    @Test("journaled records survive the process: a new one replays them (torn tail skipped), removes the segment, and a replay twice counts once",
          arguments: [true, false])
    func replayAfterCrash(mapped: Bool) async throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = InMemoryStore()
        var crashed: UsageRecorder? = UsageRecorder(capacity: 100, journalDirectory: directory, mapsJournal: mapped)
        try await crashed!.start(replayingInto: store, logger: Self.logger)
        for i in 0..<5 { crashed!.record(Self.record(i)) }
        // The process dies: nothing flushed, its descriptors (and locks) gone.
        crashed = nil
        let segment = try #require(Self.segments(directory).first)
        let path = directory + "/" + segment
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data("[1,\"usg_torn\",\"req".utf8))
        try handle.close()
        let copy = try Data(contentsOf: URL(fileURLWithPath: path))

        let restarted = UsageRecorder(capacity: 100, journalDirectory: directory)
        let replayed = try await restarted.start(replayingInto: store, logger: Self.logger)
        #expect(replayed.records == 5 && replayed.skippedLines == 1)
        #expect(!Self.segments(directory).contains(segment))
        let all = try await store.recentRequests(RecentRequestsQuery(tenants: .all, limit: 100))
        #expect(Set(all.map(\.id)) == Set((0..<5).map { "usg_\($0)" }))
        #expect(all.first { $0.id == "usg_3" } == Self.record(3))

        // The same segment again (say the process died between the insert and the unlink).
        try copy.write(to: URL(fileURLWithPath: path))
        restarted.close()
        let again = UsageRecorder(capacity: 100, journalDirectory: directory)
        #expect(try await again.start(replayingInto: store, logger: Self.logger).records == 5)
        #expect(try await store.recentRequests(RecentRequestsQuery(tenants: .all, limit: 100)).count == 5)
    }

    @Test("a segment held by a live process is not replayed by another starting in the same directory")
    func liveSegmentUntouched() async throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let running = UsageRecorder(capacity: 100, journalDirectory: directory)
        try await running.start(replayingInto: InMemoryStore(), logger: Self.logger)
        running.record(Self.record(1))
        let other = InMemoryStore()
        let starting = UsageRecorder(capacity: 100, journalDirectory: directory)
        #expect(try await starting.start(replayingInto: other, logger: Self.logger).records == 0)
        #expect(try await other.recentRequests(RecentRequestsQuery(tenants: .all, limit: 10)).isEmpty)
        #expect(Self.segments(directory).count == 2)
        running.close()
        starting.close()
    }

    // MARK: Flush and backpressure

    /// A test store: writes its own way, reads answered by an in-memory store.
    protocol ReadsInner: UsageStore {
        var inner: InMemoryStore { get }
    }

    /// A usage store whose writes fail while `failing` is set.
    final class FlakyStore: ReadsInner {
        let inner = InMemoryStore()
        let failing = Atomic<Bool>(false)
        let calls = Atomic<Int>(0)

        struct Down: Error {}

        func appendUsage(_ records: [UsageRecord]) async throws {
            calls.add(1, ordering: .relaxed)
            if failing.load(ordering: .relaxed) { throw Down() }
            try await inner.appendUsage(records)
        }
        var stored: [String] { get async throws { try await inner.recentRequests(RecentRequestsQuery(tenants: .all, limit: 1000)).map(\.id) } }
    }

    @Test("a flush stores the queue in one batch and zeroes its segment for reuse; a failed one keeps records and segment and the next stores all once")
    func flushAndRetry() async throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = FlakyStore()
        let recorder = UsageRecorder(capacity: 1000, journalDirectory: directory, mapsJournal: true)
        try await recorder.start(replayingInto: store, logger: Self.logger)
        for i in 0..<10 { recorder.record(Self.record(i)) }
        #expect(recorder.depth == 10 && recorder.pendingCount == 10)
        #expect(try await recorder.flush(to: store) == 10)
        #expect(recorder.depth == 0 && store.calls.load(ordering: .relaxed) == 1)
        // The current segment, and the stored one, zeroed, to be written next.
        let files = Self.segments(directory)
        #expect(files.count == 2)
        for file in files {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/" + file)))
            #expect(bytes.allSatisfy { $0 == 0 } && UsageJournal.parse(bytes) == ([], 0))
        }
        #expect(try await recorder.flush(to: store) == 0)
        #expect(store.calls.load(ordering: .relaxed) == 1)

        store.failing.store(true, ordering: .relaxed)
        for i in 10..<13 { recorder.record(Self.record(i)) }
        await #expect(throws: FlakyStore.Down.self) { try await recorder.flush(to: store) }
        #expect(recorder.depth == 3 && recorder.pendingCount == 0)
        #expect(Self.segments(directory).count == 2)  // the sealed one waits with its records; the spare is written
        recorder.record(Self.record(13))
        await #expect(throws: FlakyStore.Down.self) { try await recorder.flush(to: store) }
        #expect(recorder.depth == 4 && Self.segments(directory).count == 3)

        store.failing.store(false, ordering: .relaxed)
        #expect(try await recorder.flush(to: store) == 4)
        #expect(recorder.depth == 0 && Self.segments(directory).count == 2)  // current and one spare: the other stored one removed
        #expect(Set(try await store.stored) == Set((0..<14).map { "usg_\($0)" }))
        recorder.close()
        #expect(Self.segments(directory).isEmpty)
    }

    @Test("mapped segments are reused across many flushes (written ones removed), and a crash after them replays only the records not yet stored",
          arguments: [true, false])
    func segmentsReused(mapped: Bool) async throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = InMemoryStore()
        var crashed: UsageRecorder? = UsageRecorder(capacity: 1000, journalDirectory: directory, mapsJournal: mapped)
        try await crashed!.start(replayingInto: store, logger: Self.logger)
        for round in 0..<6 {
            for i in 0..<10 { crashed!.record(Self.record(round * 10 + i)) }
            #expect(try await crashed!.flush(to: store) == 10)
            #expect(Self.segments(directory).count == (mapped ? 2 : 1))
        }
        for i in 60..<63 { crashed!.record(Self.record(i)) }
        crashed = nil
        let fresh = InMemoryStore()
        let restarted = UsageRecorder(capacity: 100, journalDirectory: directory, mapsJournal: mapped)
        let replayed = try await restarted.start(replayingInto: fresh, logger: Self.logger)
        #expect(replayed.records == 3 && replayed.skippedLines == 0)
        #expect(Set(try await fresh.recentRequests(RecentRequestsQuery(tenants: .all, limit: 10)).map(\.id)) == ["usg_60", "usg_61", "usg_62"])
    }

    @Test("segments are mapped only on file systems that overwrite in place; the type comes from the mount table")
    func mappingByFileSystem() throws {
        let directory = Self.directory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let type = try #require(UsageJournal.fileSystemType(of: directory))
        #expect(UsageJournal.mapsSegments(in: directory) == ["ext4", "ext3", "xfs", "tmpfs"].contains(type))
        #expect(UsageJournal.fileSystemType(of: "/proc/self") == "proc" && !UsageJournal.mapsSegments(in: "/proc/self"))
        #expect(UsageJournal.fileSystemType(of: directory + "/missing") == nil)
    }

    @Test("a segment file left between its making and its lock is removed at start once it is a minute old, not before")
    func unlockedLeftoversRemoved() async throws {
        let directory = Self.directory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let old = directory + "/usage-1-1-aa-0.journal.new", young = directory + "/usage-2-1-bb-0.journal.new"
        for path in [old, young] { #expect(FileManager.default.createFile(atPath: path, contents: Data())) }
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -120)], ofItemAtPath: old)
        let recorder = UsageRecorder(capacity: 10, journalDirectory: directory)
        try await recorder.start(replayingInto: InMemoryStore(), logger: Self.logger)
        #expect(!FileManager.default.fileExists(atPath: old) && FileManager.default.fileExists(atPath: young))
        #expect(Self.segments(directory).count == 1)
        recorder.close()
    }

    /// A usage store that takes its time, so that flushes overlap.
    final class SlowStore: ReadsInner {
        let inner = InMemoryStore()
        let appended = Atomic<Int>(0)

        func appendUsage(_ records: [UsageRecord]) async throws {
            try await Task.sleep(for: .milliseconds(50))
            appended.add(records.count, ordering: .relaxed)
            try await inner.appendUsage(records)
        }
    }

    @Test("flushes that overlap (the flusher service, shutdown, a caller flushing on demand) store each batch once and never crash")
    func overlappingFlushes() async throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = SlowStore()
        let recorder = UsageRecorder(capacity: 1000, journalDirectory: directory)
        try await recorder.start(replayingInto: store, logger: Self.logger)
        for i in 0..<10 { recorder.record(Self.record(i)) }
        let stored = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 { group.addTask { try await recorder.flush(to: store) } }
            return try await group.reduce(0, +)
        }
        #expect(stored == 10)
        #expect(store.appended.load(ordering: .relaxed) == 10)
        #expect(recorder.depth == 0)
        recorder.close()
    }

    @Test("past its capacity the queue refuses new requests with 503 OVERLOADED and Retry-After, never dropping a record; load-shedding refusals are not recorded")
    func backpressure() async throws {
        let store = InMemoryStore()
        let recorder = UsageRecorder(capacity: 3, journalDirectory: nil)
        let stage = UsageBackpressure(recorder: recorder)
        let context = InferenceContext(requestID: "r", endpoint: .chatCompletions, timeout: .seconds(1), logger: Self.logger)
        for _ in 0..<2 { recorder.requestCompleted(Self.event(.answered)) }
        #expect(throws: Never.self) { try stage.admit(context) }
        recorder.requestCompleted(Self.event(.answered))
        recorder.requestCompleted(Self.event(.failed(status: 503, code: "OVERLOADED"), attempts: 0))
        #expect(recorder.depth == 3 && recorder.isFull)
        do {
            try stage.admit(context)
            Issue.record("admitted past the usage queue's capacity")
        } catch {
            #expect(error.status == 503 && error.code == "OVERLOADED")
            #expect(error.headers.contains { $0.0 == "Retry-After" && $0.1 == "1" })
        }
        // Requests already admitted still complete and are recorded: the bound is on admission.
        recorder.requestCompleted(Self.event(.answered))
        #expect(recorder.depth == 4)
        #expect(try await recorder.flush(to: store) == 4)
        #expect(throws: Never.self) { try stage.admit(context) }
        #expect(try await store.recentRequests(RecentRequestsQuery(tenants: .one("acme"), limit: 10)).count == 4)
    }

    @Test("usage settings: read from the file with their bounds, the journal beside the SQLite file, none for memory:")
    func settings() throws {
        let yaml = "database: sqlite:/var/lib/gw/db.sqlite\nusage:\n  queue_capacity: 500\n  flush_interval_ms: 250\n  flush_batch: 50\n"
        let loaded = try ConfigurationValidator.load(yaml: yaml, environment: [:])
        #expect(loaded.usage.queueCapacity == 500 && loaded.usage.flushInterval == 0.25 && loaded.usage.flushBatch == 50)
        #expect(loaded.usage.journalDirectory(for: loaded.database) == "/var/lib/gw/usage-journal")
        var settings = UsageSettings()
        #expect(settings.journalDirectory(for: .memory) == nil)
        #expect(settings.journalDirectory(for: .postgres(url: "postgres://gw@db/gw")) == "./data/usage-journal")
        #expect(settings.journalDirectory(for: .sqlite(path: "gw.sqlite")) == "./usage-journal")
        settings.journalDirectory = "/srv/journal"
        #expect(settings.journalDirectory(for: .memory) == "/srv/journal")
        do {
            _ = try ConfigurationValidator.load(yaml: "usage:\n  queue_capacity: 1\n  colour: red\n", environment: [:])
            Issue.record("an out-of-range capacity and an unknown key were accepted")
        } catch {
            #expect(error.problems.contains { $0.hasPrefix("usage.queue_capacity") }, "\(error.problems)")
            #expect(error.problems.contains { $0.hasPrefix("usage.colour") }, "\(error.problems)")
        }
    }

    /// A usage store that keeps the journal lines each write was given.
    final class LinesStore: ReadsInner {
        let inner = InMemoryStore()
        let given = Mutex<[[UInt8]?]>([])

        func appendUsage(_ records: [UsageRecord]) async throws { try await appendUsage(records, journalLines: nil) }
        func appendUsage(_ records: [UsageRecord], journalLines: [UInt8]?) async throws {
            given.withLock { $0.append(journalLines) }
            try await inner.appendUsage(records)
        }
    }

    @Test("a flush hands the store its segment's lines with the records: exactly their lines, in order; none without a mapped journal")
    func flushGivesJournalLines() async throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = LinesStore()
        let recorder = UsageRecorder(capacity: 1000, journalDirectory: directory, mapsJournal: true)
        try await recorder.start(replayingInto: store, logger: Self.logger)
        for i in 0..<3 { recorder.record(Self.record(i)) }
        try await recorder.flush(to: store)
        for i in 3..<5 { recorder.record(Self.record(i)) }
        try await recorder.flush(to: store)
        var first: [UInt8] = [], second: [UInt8] = []
        for i in 0..<3 { UsageJournalLine.encode(Self.record(i), into: &first) }
        for i in 3..<5 { UsageJournalLine.encode(Self.record(i), into: &second) }
        #expect(store.given.withLock { $0 } == [first, second])
        recorder.close()

        let memoryOnly = UsageRecorder(capacity: 1000, journalDirectory: nil)
        let other = LinesStore()
        memoryOnly.record(Self.record(9))
        try await memoryOnly.flush(to: other)
        #expect(other.given.withLock { $0 } == [nil])
    }
}

private extension UsageRecord {
    func withID(_ id: String) -> UsageRecord {
        var copy = self
        copy.id = id
        return copy
    }
}

extension UsageRecorderTests.ReadsInner {
    func usageReport(_ query: UsageReportQuery) async throws -> [UsageReportRow] { try await inner.usageReport(query) }
    func recentRequests(_ query: RecentRequestsQuery) async throws -> [UsageRecord] { try await inner.recentRequests(query) }
    func usageTotals(tenantID: String, scope: UsageScope, scopeID: String, since: Int64) async throws -> UsageTotals {
        try await inner.usageTotals(tenantID: tenantID, scope: scope, scopeID: scopeID, since: since)
    }
}
