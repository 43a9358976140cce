#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GatewyseCore
import GatewyseStorage

/// The local append-only journal of usage records (decisions/0011): segment files in one
/// directory, one line per record, each line written with a single `write(2)` on an `O_APPEND`
/// descriptor before the request's answer completes. No `fsync`: a `kill -9` leaves the page
/// cache to the kernel, which writes it out; a power loss can lose the last seconds.
///
/// A segment is locked (`flock`) for as long as its process holds it, so a gateway starting
/// beside a running one (same directory) replays only segments whose owner died: the kernel
/// drops the lock of a killed process.
///
/// Not thread-safe: `UsageRecorder` calls it under its lock.
final class UsageJournal: @unchecked Sendable {
    // @unchecked: only ever used under `UsageRecorder`'s lock.
    /// A sealed segment: written no more, removed once the store holds its records.
    final class Segment: @unchecked Sendable {
        // @unchecked: the descriptor is only closed, once, by `remove` or `deinit`.
        let path: String
        private var descriptor: Int32

        init(path: String, descriptor: Int32) {
            self.path = path
            self.descriptor = descriptor
        }

        /// Unlinks the file, then releases its lock.
        func remove() {
            unlink(path)
            close()
        }

        func close() {
            if descriptor >= 0 { _ = Glibc.close(descriptor) }
            descriptor = -1
        }

        deinit { close() }
    }

    static let suffix = ".journal"

    let directory: String
    private var current: Segment
    private var sequence = 0
    /// Lines written to the current segment.
    private(set) var linesInCurrent = 0
    private var currentDescriptor: Int32

    /// Creates the directory if needed and opens a first segment.
    init(directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let (segment, descriptor) = try Self.open(directory: directory, sequence: 0)
        current = segment
        currentDescriptor = descriptor
    }

    private static func open(directory: String, sequence: Int) throws -> (Segment, Int32) {
        // Time, process id, a random part and a sequence: unique among processes sharing the
        // directory and among journals of one process; O_EXCL makes sure the file is new.
        let name = "usage-\(UnixClock.milliseconds())-\(getpid())-\(IDGenerator.hex(bytes: 4))-\(sequence)\(suffix)"
        let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
        let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw UsageJournalError.cannotOpen(path, errno) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            _ = Glibc.close(descriptor)
            throw UsageJournalError.cannotOpen(path, code)
        }
        return (Segment(path: path, descriptor: descriptor), descriptor)
    }

    /// Appends one line with one `write(2)`; false when it did not go in whole.
    func append(_ line: [UInt8]) -> Bool {
        let written = line.withUnsafeBytes { write(currentDescriptor, $0.baseAddress, $0.count) }
        guard written == line.count else {
            // A part went in (disk full): end it, so that the next line starts on its own and
            // only this one is skipped at a replay.
            if written > 0 { _ = write(currentDescriptor, "\n", 1) }
            return false
        }
        linesInCurrent += 1
        return true
    }

    /// Starts a new segment and returns the previous one, sealed. Throws when no new one could
    /// be opened: the current one goes on, and so keeps lines whose records the store will
    /// hold too, which a replay inserts again harmlessly.
    func rotate() throws -> Segment {
        sequence += 1
        let (next, descriptor) = try Self.open(directory: directory, sequence: sequence)
        let sealed = current
        current = next
        currentDescriptor = descriptor
        linesInCurrent = 0
        return sealed
    }

    /// At shutdown, after the last flush: an empty current segment is removed, one with lines
    /// stays for the next start to replay.
    func close() {
        if linesInCurrent == 0 { current.remove() } else { current.close() }
    }

    // MARK: Replay

    /// A segment left by a process that is gone, with its records.
    struct Leftover {
        let segment: Segment
        let records: [UsageRecord]
        /// Lines that are not a whole record (torn by a crash mid-write, or damaged).
        let skippedLines: Int
    }

    /// Every segment in `directory` that no live process holds, parsed. Segments held by a
    /// running process (its lock) are left alone.
    static func leftovers(in directory: String) throws -> [Leftover] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var found: [Leftover] = []
        for name in names.sorted() where name.hasSuffix(suffix) {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { continue }
            guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
                _ = Glibc.close(descriptor)
                continue
            }
            let segment = Segment(path: path, descriptor: descriptor)
            guard let data = FileManager.default.contents(atPath: path) else { throw UsageJournalError.cannotRead(path) }
            let (records, skipped) = parse([UInt8](data))
            found.append(Leftover(segment: segment, records: records, skippedLines: skipped))
        }
        return found
    }

    /// The records of a segment's bytes and the number of lines skipped. A last line without
    /// its newline is torn (the process died mid-write) and skipped like any unreadable line.
    static func parse(_ bytes: [UInt8]) -> (records: [UsageRecord], skipped: Int) {
        var records: [UsageRecord] = []
        var skipped = 0
        var start = 0
        while start < bytes.count {
            guard let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                skipped += 1
                break
            }
            if end > start {
                if let record = UsageJournalLine.decode(bytes[start..<end]) { records.append(record) } else { skipped += 1 }
            }
            start = end + 1
        }
        return (records, skipped)
    }
}

enum UsageJournalError: Error, CustomStringConvertible {
    case cannotOpen(String, Int32)
    case cannotRead(String)

    var description: String {
        switch self {
        case .cannotOpen(let path, let code): "cannot open the usage journal segment \(path): \(String(cString: strerror(code)))"
        case .cannotRead(let path): "cannot read the usage journal segment \(path)"
        }
    }
}
