#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GatewyseCore
import GatewyseStorage

/// The local append-only journal of usage records (decisions/0011, 0030): segment files in one
/// directory, one line per record, each line copied into the segment's shared memory mapping
/// before the request's answer completes. The mapping is the file's page cache, which belongs to
/// the kernel: a `kill -9` leaves the lines to the kernel, which writes them out, exactly as a
/// `write(2)` would — without a system call per request. No `fsync`: a power loss can lose the
/// last seconds.
///
/// A segment's blocks are reserved (`posix_fallocate`) before they are mapped, so a full disk
/// fails the line that does not fit (counted, its record still queued) instead of faulting the
/// process. The unused tail of a segment is zeros, which a replay skips; a sealed or closed
/// segment is cut to its lines.
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
    /// A new segment's reserved size; it doubles when a flush is late and lines keep coming.
    static let initialSegmentBytes = 1 << 20
    /// `MAP_FAILED`, a C cast Swift does not import.
    private static var mapFailed: UnsafeMutableRawPointer? { UnsafeMutableRawPointer(bitPattern: -1) }

    let directory: String
    private var current: Segment
    private var sequence = 0
    /// Lines written to the current segment.
    private(set) var linesInCurrent = 0
    private var mapping: Mapping

    /// The current segment's mapping: `base` holds `capacity` bytes, of which `used` are lines.
    private struct Mapping {
        let descriptor: Int32
        var base: UnsafeMutableRawPointer
        var capacity: Int
        var used = 0
    }

    /// Creates the directory if needed and opens a first segment.
    init(directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        (current, mapping) = try Self.open(directory: directory, sequence: 0)
    }

    private static func open(directory: String, sequence: Int) throws -> (Segment, Mapping) {
        // Time, process id, a random part and a sequence: unique among processes sharing the
        // directory and among journals of one process; O_EXCL makes sure the file is new.
        let name = "usage-\(UnixClock.milliseconds())-\(getpid())-\(IDGenerator.hex(bytes: 4))-\(sequence)\(suffix)"
        let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
        let descriptor = Glibc.open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw UsageJournalError.cannotOpen(path, errno) }
        let segment = Segment(path: path, descriptor: descriptor)
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            segment.remove()
            throw UsageJournalError.cannotOpen(path, code)
        }
        let capacity = initialSegmentBytes
        let reserved = posix_fallocate(descriptor, 0, off_t(capacity))
        guard reserved == 0 else {
            segment.remove()
            throw UsageJournalError.cannotOpen(path, reserved)
        }
        guard let base = mmap(nil, capacity, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0), base != mapFailed else {
            let code = errno
            segment.remove()
            throw UsageJournalError.cannotOpen(path, code)
        }
        return (segment, Mapping(descriptor: descriptor, base: base, capacity: capacity))
    }

    /// Copies one line into the segment; false when it did not go in (no room could be
    /// reserved: disk full).
    func append(_ line: [UInt8]) -> Bool {
        if mapping.used + line.count > mapping.capacity, !grow(toHold: mapping.used + line.count) { return false }
        line.withUnsafeBytes { bytes in
            guard let source = bytes.baseAddress else { return }
            (mapping.base + mapping.used).copyMemory(from: source, byteCount: bytes.count)
        }
        mapping.used += line.count
        linesInCurrent += 1
        return true
    }

    /// Doubles the segment until `bytes` fit: blocks reserved first, then the file mapped anew
    /// at its new size (the lines are in the file; nothing keeps the old address).
    private func grow(toHold bytes: Int) -> Bool {
        var capacity = mapping.capacity
        while capacity < bytes { capacity *= 2 }
        guard posix_fallocate(mapping.descriptor, 0, off_t(capacity)) == 0 else { return false }
        guard let base = mmap(nil, capacity, PROT_READ | PROT_WRITE, MAP_SHARED, mapping.descriptor, 0), base != Self.mapFailed else { return false }
        munmap(mapping.base, mapping.capacity)
        mapping.base = base
        mapping.capacity = capacity
        return true
    }

    /// Unmaps the current segment and cuts it to its lines (the kernel keeps what was copied).
    private func unmapCurrent(truncating: Bool) {
        munmap(mapping.base, mapping.capacity)
        if truncating { _ = ftruncate(mapping.descriptor, off_t(mapping.used)) }
    }

    /// Starts a new segment and returns the previous one, sealed. Throws when no new one could
    /// be opened: the current one goes on, and so keeps lines whose records the store will
    /// hold too, which a replay inserts again harmlessly.
    func rotate() throws -> Segment {
        let (next, nextMapping) = try Self.open(directory: directory, sequence: sequence + 1)
        sequence += 1
        unmapCurrent(truncating: true)
        let sealed = current
        current = next
        mapping = nextMapping
        linesInCurrent = 0
        return sealed
    }

    /// At shutdown, after the last flush: an empty current segment is removed, one with lines
    /// stays for the next start to replay.
    func close() {
        guard mapping.capacity > 0 else { return }
        unmapCurrent(truncating: true)
        mapping.capacity = 0
        if linesInCurrent == 0 { current.remove() } else { current.close() }
    }

    /// Dropped without `close` (a recorder that was never closed, as in a crash): the mapping is
    /// released and the file left as it is, zeros and all, for a replay.
    deinit {
        if mapping.capacity > 0 { munmap(mapping.base, mapping.capacity) }
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
    /// its newline is torn (the process died mid-copy) and skipped like any unreadable line;
    /// zero bytes between lines are the reserved tail of a segment never cut, and skipped.
    static func parse(_ bytes: [UInt8]) -> (records: [UsageRecord], skipped: Int) {
        var records: [UsageRecord] = []
        var skipped = 0
        var start = 0
        while start < bytes.count {
            // A segment's unused, reserved tail is zeros (a process that died never cut it).
            if bytes[start] == 0 {
                start += 1
                continue
            }
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
