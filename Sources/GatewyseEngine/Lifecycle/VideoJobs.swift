import GatewyseCore
import GatewyseProviders
import Synchronization

/// Video generations that outlived their request (answered 202), kept so that the client can
/// ask after them at `GET /v1/video/generations/{id}` (decisions/0023). In memory, per replica:
/// at most `capacity` records (the oldest goes first) for at most `lifetime` (Replicate's output
/// URLs expire after an hour, so a record older than that has nothing left to give). A job that
/// leaves still running — evicted or expired — is cancelled upstream. Each record belongs to the
/// tenant whose key created it; another tenant's id is not found.
public final class VideoJobs: Sendable {
    /// Where one job stands. `running` holds the suspended job; `polling` marks one that a
    /// request is asking the upstream about right now (the others answer from the record).
    enum State: Sendable {
        case running(SuspendedJob<VideoGenerationResponse>)
        case polling
        case completed(VideoGenerationResponse)
        case failed(GatewayError)
    }

    struct Record: Sendable {
        let id: String
        let tenantID: String
        /// The model the client named.
        let model: String
        let providerID: String
        let upstreamModel: String
        /// Unix seconds, for `created`.
        let created: Int64
        let storedAt: ContinuousClock.Instant
        /// The media the answer counts once it is completed.
        let durationSeconds: Int?
        var state: State

        var status: VideoGenerationsWire.JobStatus {
            switch state {
            case .running, .polling: .inProgress
            case .completed(let response): .completed(response)
            case .failed(let error): .failed(error)
            }
        }
    }

    private struct Table {
        var records: [String: Record] = [:]
        /// Ids oldest first, for eviction.
        var order: [String] = []
    }

    private let table = Mutex(Table())
    public let capacity: Int
    public let lifetime: Duration
    let cancellations: UpstreamCancellations

    public init(capacity: Int = 10_000, lifetime: Duration = .seconds(3_600), cancellations: UpstreamCancellations) {
        self.capacity = max(capacity, 1)
        self.lifetime = lifetime
        self.cancellations = cancellations
    }

    /// Stores a running job and returns its id (`vgen_` and 32 hex digits).
    func insert(tenantID: String, model: String, providerID: String, upstreamModel: String, created: Int64, durationSeconds: Int?,
                job: SuspendedJob<VideoGenerationResponse>) -> String {
        let id = "vgen_" + IDGenerator.hex(bytes: 16)
        let record = Record(id: id, tenantID: tenantID, model: model, providerID: providerID, upstreamModel: upstreamModel, created: created,
                            storedAt: .now, durationSeconds: durationSeconds, state: .running(job))
        var dropped: [Record] = []
        table.withLock { table in
            dropped = Self.expire(&table, now: .now, lifetime: lifetime)
            while table.order.count >= capacity, let oldest = table.order.first {
                table.order.removeFirst()
                if let record = table.records.removeValue(forKey: oldest) { dropped.append(record) }
            }
            table.records[id] = record
            table.order.append(id)
        }
        cancel(dropped)
        return id
    }

    /// What a lookup found.
    enum Lookup {
        case notFound
        /// Answer from the record as it stands.
        case settled(Record)
        /// The caller asks the upstream (`finishPoll` must follow, whatever happens).
        case poll(Record, SuspendedJob<VideoGenerationResponse>)
    }

    /// The tenant's record `id`; a running job not being polled is handed out to poll, marked.
    func beginPoll(id: String, tenantID: String) -> Lookup {
        var dropped: [Record] = []
        let lookup: Lookup = table.withLock { table in
            dropped = Self.expire(&table, now: .now, lifetime: lifetime)
            guard var record = table.records[id], record.tenantID == tenantID else { return .notFound }
            guard case .running(let job) = record.state else { return .settled(record) }
            record.state = .polling
            table.records[id] = record
            return .poll(record, job)
        }
        cancel(dropped)
        return lookup
    }

    /// Records where a poll left the job; returns the record (nil if it expired meanwhile).
    @discardableResult
    func finishPoll(id: String, state: State) -> Record? {
        table.withLock { table in
            guard var record = table.records[id] else { return nil }
            record.state = state
            table.records[id] = record
            return record
        }
    }

    /// Records kept now (expired ones included until the next insert or lookup).
    public var count: Int { table.withLock { $0.records.count } }

    private static func expire(_ table: inout Table, now: ContinuousClock.Instant, lifetime: Duration) -> [Record] {
        var expired: [Record] = []
        while let oldest = table.order.first, let record = table.records[oldest], now - record.storedAt >= lifetime {
            table.order.removeFirst()
            table.records.removeValue(forKey: oldest)
            expired.append(record)
        }
        return expired
    }

    /// Jobs that leave while their prediction still runs are stopped upstream: nobody can ask
    /// after them any more.
    private func cancel(_ records: [Record]) {
        for record in records {
            guard case .running(let job) = record.state else { continue }
            for var call in job.cancellations {
                call.allowPrivateNetwork = job.allowPrivateNetwork
                cancellations.submit(call)
            }
        }
    }
}
