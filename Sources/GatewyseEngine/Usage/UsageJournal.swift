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
    /// One segment file: while written, its shared mapping; once sealed, written no more, and
    /// removed or cleared for reuse once the store holds its records.
    final class Segment: @unchecked Sendable {
        // @unchecked: the journal writes a segment under the recorder's lock; a sealed one is
        // touched only by the flush that owns it (one at a time).
        let path: String
        private var descriptor: Int32
        /// The mapping (nil for a leftover being replayed): `base` holds `capacity` bytes, of
        /// which `used` are lines.
        private var base: UnsafeMutableRawPointer?
        private var capacity = 0
        private(set) var used = 0
        private(set) var lines = 0

        init(path: String, descriptor: Int32) {
            self.path = path
            self.descriptor = descriptor
        }

        /// Reserves `capacity` bytes and maps them; the error code when the disk has no room or
        /// the mapping fails. Every page is made present and writable here, off the request
        /// path: a line that lands on a new page would otherwise take two page faults (reading
        /// the page in, then making it writable), about as dear as the `write(2)` this
        /// replaces. When a segment grows, only its new pages are populated.
        fileprivate func map(capacity: Int) -> Int32? {
            let reserved = posix_fallocate(descriptor, 0, off_t(capacity))
            guard reserved == 0 else { return reserved }
            guard let mapped = mmap(nil, capacity, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0), mapped != UsageJournal.mapFailed else {
                return errno
            }
            _ = madvise(mapped + self.capacity, capacity - self.capacity, UsageJournal.populateWrite)
            if let base { munmap(base, self.capacity) }
            base = mapped
            self.capacity = capacity
            return nil
        }

        /// Copies one line in (or, for a segment that is not mapped, writes it with one
        /// `pwrite(2)`); false when it did not go in (disk full).
        fileprivate func append(_ line: UnsafeRawBufferPointer) -> Bool {
            guard let base = mappedBase(fitting: line.count) else { return write(line) }
            if let source = line.baseAddress { (base + used).copyMemory(from: source, byteCount: line.count) }
            used += line.count
            lines += 1
            return true
        }

        /// The mapping, grown to hold `count` more bytes; nil for a written segment, or when no
        /// room could be reserved (the line is then written, and fails the same way).
        private func mappedBase(fitting count: Int) -> UnsafeMutableRawPointer? {
            guard base != nil else { return nil }
            if used + count > capacity {
                var grown = capacity
                while grown < used + count { grown *= 2 }
                guard map(capacity: grown) == nil else { return nil }
            }
            return base
        }

        /// The line at `used`, in one `pwrite(2)`.
        private func write(_ line: UnsafeRawBufferPointer) -> Bool {
            let written = pwrite(descriptor, line.baseAddress, line.count, off_t(used))
            guard written == line.count else {
                // A part went in (disk full): end it, so that the next line starts on its own and
                // only this one is skipped at a replay.
                if written > 0, pwrite(descriptor, "\n", 1, off_t(used + written)) == 1 { used += written + 1 }
                return false
            }
            used += line.count
            lines += 1
            return true
        }

        /// A copy of the lines written, nil for a segment that is not mapped (its lines are in
        /// the file only). Read by the flush that owns a sealed segment.
        func writtenBytes() -> [UInt8]? {
            guard let base else { return nil }
            return [UInt8](UnsafeRawBufferPointer(start: base, count: used))
        }

        /// Its records are stored: the lines become zeros (which a replay skips) and the
        /// segment can take new ones, its pages still mapped and writable.
        func clear() {
            if let base, used > 0 { base.initializeMemory(as: UInt8.self, repeating: 0, count: used) }
            used = 0
            lines = 0
        }

        /// 0 when not mapped.
        fileprivate var mappedBytes: Int { capacity }

        /// Cuts the file to its lines and releases the mapping (the kernel keeps what was copied).
        fileprivate func unmap() {
            guard let base else { return }
            munmap(base, capacity)
            self.base = nil
            capacity = 0
            _ = ftruncate(descriptor, off_t(used))
        }

        /// Unlinks the file, then releases its lock.
        func remove() {
            unlink(path)
            close()
        }

        func close() {
            unmap()
            if descriptor >= 0 { _ = Glibc.close(descriptor) }
            descriptor = -1
        }

        /// Dropped without `close` (a recorder that was never closed, as in a crash): the mapping
        /// is released and the file left as it is, zeros and all, for a replay.
        deinit {
            if let base { munmap(base, capacity) }
            if descriptor >= 0 { _ = Glibc.close(descriptor) }
        }
    }

    static let suffix = ".journal"
    /// A segment being made, before its lock is taken (`open`); one left by a crash is removed.
    static let newSuffix = ".new"
    /// A new segment's reserved size; it doubles when a flush is late and lines keep coming.
    static let initialSegmentBytes = 1 << 20
    /// `MAP_FAILED`, a C cast Swift does not import.
    fileprivate static var mapFailed: UnsafeMutableRawPointer? { UnsafeMutableRawPointer(bitPattern: -1) }
    /// `MADV_POPULATE_WRITE` (Linux 5.14), which Glibc's module does not export. On an older
    /// kernel the call fails and pages fault in as lines reach them, which is only slower.
    fileprivate static let populateWrite: Int32 = 23

    let directory: String
    /// Whether segments are mapped (`mapsSegments`), decided once per directory.
    let mapsSegments: Bool
    private var current: Segment
    /// A stored segment, cleared, to be written next: rotating costs no new file and its pages
    /// are already present.
    private var spare: Segment?
    private var sequence = 0

    /// Creates the directory if needed and opens a first segment. `mapped` overrides the file
    /// system's verdict (tests of both ways).
    init(directory: String, mapped: Bool? = nil) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        mapsSegments = mapped ?? Self.mapsSegments(in: directory)
        current = try Self.open(directory: directory, sequence: 0, mapped: mapsSegments)
    }

    private static func open(directory: String, sequence: Int, mapped: Bool) throws -> Segment {
        // Time, process id, a random part and a sequence: unique among processes sharing the
        // directory and among journals of one process; O_EXCL makes sure the file is new.
        let name = "usage-\(UnixClock.milliseconds())-\(getpid())-\(IDGenerator.hex(bytes: 4))-\(sequence)\(suffix)"
        let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
        // Made under another name and renamed once locked: a gateway starting beside this one
        // replays (and removes) every unlocked `.journal` file, and must never see this one
        // between its creation and its lock.
        let unlocked = path + newSuffix
        let descriptor = Glibc.open(unlocked, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw UsageJournalError.cannotOpen(path, errno) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0, rename(unlocked, path) == 0 else {
            let code = errno
            unlink(unlocked)
            _ = Glibc.close(descriptor)
            throw UsageJournalError.cannotOpen(path, code)
        }
        let segment = Segment(path: path, descriptor: descriptor)
        // A segment that cannot be reserved or mapped (a full disk) is written instead.
        if mapped { _ = segment.map(capacity: initialSegmentBytes) }
        return segment
    }

    /// Whether segments in `directory` may be written through a mapping: only on file systems
    /// that overwrite a file's reserved blocks in place (ext4, XFS, tmpfs). On a copy-on-write
    /// one (btrfs, ZFS…) every overwrite of a recycled segment needs new space, and a page
    /// fault that finds none kills the process with `SIGBUS`, where `write(2)` would return
    /// `ENOSPC`: there lines are written.
    static func mapsSegments(in directory: String) -> Bool {
        guard let type = fileSystemType(of: directory) else { return false }
        return ["ext4", "ext3", "xfs", "tmpfs"].contains(type)
    }

    /// The type of the file system `directory` is on, from the longest mount point above it in
    /// `/proc/self/mountinfo` (its fifth field; the type follows the ` - ` separator).
    static func fileSystemType(of directory: String) -> String? {
        guard let resolved = realpath(directory, nil) else { return nil }
        let path = String(cString: resolved)
        free(resolved)
        guard let table = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return nil }
        var best: (point: String, type: String)?
        for line in table.split(separator: "\n") {
            let halves = line.components(separatedBy: " - ")
            let fields = halves[0].split(separator: " ")
            guard halves.count == 2, fields.count >= 5, let type = halves[1].split(separator: " ").first else { continue }
            let point = fields[4].replacingOccurrences(of: "\\040", with: " ")
            let above = point == "/" || path == point || path.hasPrefix(point + "/")
            if above, point.count >= (best?.point.count ?? -1) { best = (point, String(type)) }
        }
        return best?.type
    }

    /// Copies one line into the current segment; false when it did not go in.
    func append(_ line: UnsafeRawBufferPointer) -> Bool {
        current.append(line)
    }

    /// Starts writing the spare segment (or a new one) and returns the previous one, sealed.
    /// Throws when no new one could be opened: the current one goes on, and so keeps lines
    /// whose records the store will hold too, which a replay inserts again harmlessly.
    func rotate() throws -> Segment {
        let next: Segment
        if let spare {
            next = spare
            self.spare = nil
        } else {
            sequence += 1
            next = try Self.open(directory: directory, sequence: sequence, mapped: mapsSegments)
        }
        let sealed = current
        current = next
        return sealed
    }

    /// A sealed segment whose records the store now holds, already `clear`ed by its flush:
    /// kept as the next spare, or removed when there is one.
    func recycle(_ segment: Segment) {
        // One that grew while the store was away goes: the spare stays at the initial size.
        if spare == nil, segment.used == 0, segment.mappedBytes == Self.initialSegmentBytes {
            spare = segment
        } else {
            segment.remove()
        }
    }

    /// At shutdown, after the last flush: the spare and an empty current segment are removed, one
    /// with lines stays (cut to them) for the next start to replay.
    func close() {
        spare?.remove()
        spare = nil
        if current.lines == 0 { current.remove() } else { current.close() }
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
        // A segment a process was making when it died, before its first line: empty. Left
        // alone while young, as a live process may be between making and locking it.
        for name in names where name.hasSuffix(suffix + newSuffix) {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? Date()
            if modified.timeIntervalSinceNow < -60 { unlink(path) }
        }
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

    /// The records of a segment's bytes and the number of lines skipped (`UsageJournalLine.records(in:)`).
    static func parse(_ bytes: [UInt8]) -> (records: [UsageRecord], skipped: Int) {
        bytes.withUnsafeBytes { UsageJournalLine.records(in: $0) }
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
