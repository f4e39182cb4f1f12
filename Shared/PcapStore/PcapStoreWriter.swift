#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dissection
import Foundation
import Formats

/// Appends packets to segment files under a store root, and each packet's
/// entry to the segment's packet index beside it (`PacketIndexFormat`), and
/// makes both durable on `flush()`.
///
/// Layout: `<root>/<sensor uuid>/<yyyy-mm-dd>/<capture>-<linktype>-<seq>.pcap`
/// (see `SegmentID.relativePath`), each a nanosecond pcap of one linktype.
/// A key's segment is rotated when the next record would pass
/// `maxSegmentBytes`; a new UTC day is a new key, hence a new file.
///
/// Durability contract: `append` returns where the record *will* be; nothing
/// is promised until `flush()` returns, which writes every dirty segment,
/// fdatasyncs it, fsyncs the directories of new files (and of new
/// directories), and returns each dirty segment's durable length. Storage
/// commits those lengths in the transaction of the batch that points into
/// them; at start-up `PcapStoreRecovery` cuts each segment back to its
/// committed length. After any failed write or sync the writer refuses
/// further work (`.writerFailed`): Linux may drop dirty pages after a failed
/// fsync, so the only safe course is restart and recovery.
///
/// A writer never appends to a file it did not create: a restarted writer
/// continues a key with the next free sequence number.
///
/// Not thread-safe: one writer belongs to one thread (storage's ingest loop).
public final class PcapStoreWriter {
    public struct Configuration: Sendable {
        /// Size at which a segment is rotated.
        public var maxSegmentBytes: UInt64
        /// Segments kept open at once (two files each: the pcap and its
        /// index); the least recently used is written, synced and closed to
        /// make room.
        public var maxOpenSegments: Int
        /// Bytes buffered per open segment before they are written out.
        public var writeBufferBytes: Int

        /// 512 MiB: retention deletes whole segments, so the cap bounds how far
        /// a size-budget trim overshoots, while keeping ~2,000 files per TB.
        public static let defaultMaxSegmentBytes: UInt64 = 512 << 20
        /// 64: well under the usual RLIMIT_NOFILE of 1,024 next to sockets and
        /// PostgreSQL connections, and 64 × the write buffer stays at 16 MiB.
        public static let defaultMaxOpenSegments = 64
        /// 256 KiB: a few hundred packets per write(2); larger buys nothing
        /// once the page cache absorbs the writes.
        public static let defaultWriteBufferBytes = 256 << 10

        public init(maxSegmentBytes: UInt64 = defaultMaxSegmentBytes,
                    maxOpenSegments: Int = defaultMaxOpenSegments,
                    writeBufferBytes: Int = defaultWriteBufferBytes) {
            self.maxSegmentBytes = maxSegmentBytes
            self.maxOpenSegments = max(1, maxOpenSegments)
            self.writeBufferBytes = max(0, writeBufferBytes)
        }
    }

    /// A segment changed since the previous flush and its length on disk now.
    public struct FlushedSegment: Hashable, Sendable {
        public var segment: SegmentID
        /// Bytes of the file that are durable: commit this with the batch.
        public var durableLength: UInt64
        /// Bytes of its packet index that are durable (`PacketIndexFormat.records(length:)` records).
        public var durableIndexLength: UInt64
        /// The file was created since the previous flush (storage inserts its row).
        public var isNew: Bool
    }

    public let root: String
    public let configuration: Configuration

    /// One file being appended to: what was handed to the kernel, what is
    /// still buffered, and whether it needs a sync.
    private final class AppendingFile {
        let path: String
        var fd: Int32 = -1
        /// Bytes handed to the kernel.
        var written: UInt64 = 0
        /// Bytes not yet handed to the kernel.
        var buffer: [UInt8] = []
        /// Written but not yet fdatasynced.
        var needsSync = false
        var length: UInt64 { written + UInt64(buffer.count) }

        init(path: String) { self.path = path }
    }

    /// A segment and its packet index, appended to together.
    private final class Segment {
        let id: SegmentID
        let pcap: AppendingFile
        let index: AppendingFile
        var isNew = true
        var lastUse: UInt64 = 0
        var files: [AppendingFile] { [pcap, index] }

        init(id: SegmentID, root: String) {
            self.id = id
            pcap = AppendingFile(path: root + "/" + id.relativePath)
            index = AppendingFile(path: root + "/" + id.indexRelativePath)
        }
    }

    /// The segment each key currently appends to.
    private var active: [SegmentKey: Segment] = [:]
    private var openSegments: [SegmentID: Segment] = [:]
    private var dirty: [SegmentID: Segment] = [:]
    private var nextSequence: [SegmentKey: UInt32] = [:]
    private var directoriesToSync: Set<String> = []
    private var clock: UInt64 = 0
    private var failure: PcapStoreError?

    /// `root` is created if missing (its parent must exist).
    public init(root: String, configuration: Configuration = Configuration()) throws(PcapStoreError) {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
        self.configuration = configuration
        if try Posix.makeDirectory(self.root) {
            directoriesToSync.insert((self.root as NSString).deletingLastPathComponent)
        }
    }

    deinit {
        // No flush here: what was not flushed was never promised.
        for segment in openSegments.values {
            for file in segment.files where file.fd >= 0 { Posix.closeFile(file.fd) }
        }
    }

    /// Number of segments open now (at most `maxOpenSegments`; two files each).
    public var openFileCount: Int { openSegments.count }

    /// The absolute path of a segment under this store.
    public func path(of segment: SegmentID) -> String { root + "/" + segment.relativePath }

    // MARK: Appending

    /// Appends one record to the key's current segment and its entry to the
    /// segment's packet index, and returns where both are. The key's day
    /// must be the UTC day of `timestamp`. The entry's time, lengths and
    /// offset are set here from the record.
    @discardableResult
    public func append(key: SegmentKey, timestamp: Int64, frame: UnsafeRawBufferPointer, wireLength: Int,
                       entry: PacketIndexEntry) throws(PcapStoreError) -> PacketPosition {
        if let failure { throw PcapStoreError(.writerFailed, path: failure.path, "earlier failure: \(failure)") }
        guard PcapFormat.representable(timestamp) else {
            throw PcapStoreError(.timestampOutOfRange, path: root, "\(timestamp) ns is outside pcap's 1970…2106")
        }
        guard UTCDay.of(nanoseconds: timestamp) == key.day else {
            throw PcapStoreError(.dayMismatch, path: root, "\(timestamp) ns is not on \(UTCDay.string(key.day))")
        }
        guard frame.count <= PcapStoreLimits.maxCapturedLength else {
            throw PcapStoreError(.frameTooLarge, path: root, "\(frame.count) bytes > \(PcapStoreLimits.maxCapturedLength)")
        }
        guard wireLength >= 0, wireLength <= Int(UInt32.max) else {
            throw PcapStoreError(.frameTooLarge, path: root, "wire length \(wireLength) does not fit 32 bits")
        }
        let recordLength = PcapFormat.recordHeaderLength + frame.count
        do {
            let segment = try segment(for: key, recordLength: UInt64(recordLength))
            clock += 1
            segment.lastUse = clock
            let offset = segment.pcap.length
            let indexRecord = PacketIndexFormat.records(length: segment.index.length)
            PcapFormat.appendRecordHeader(to: &segment.pcap.buffer, timestamp: timestamp,
                                          capturedLength: frame.count, wireLength: wireLength)
            segment.pcap.buffer.append(contentsOf: frame)
            var entry = entry
            entry.timestamp = timestamp
            entry.offset = offset
            entry.capturedLength = UInt32(frame.count)
            entry.wireLength = UInt32(wireLength)
            PacketIndexFormat.append(entry, to: &segment.index.buffer)
            dirty[segment.id] = segment
            if segment.pcap.buffer.count >= configuration.writeBufferBytes { try drain(segment) }
            return PacketPosition(segment: segment.id, offset: offset, length: UInt32(recordLength),
                                  indexRecord: indexRecord)
        } catch {
            failure = error
            throw error
        }
    }

    @discardableResult
    public func append(key: SegmentKey, timestamp: Int64, frame: [UInt8], wireLength: Int? = nil,
                       entry: PacketIndexEntry) throws(PcapStoreError) -> PacketPosition {
        let result: Result<PacketPosition, PcapStoreError> = frame.withUnsafeBytes { raw in
            do throws(PcapStoreError) {
                return .success(try append(key: key, timestamp: timestamp, frame: raw,
                                           wireLength: wireLength ?? raw.count, entry: entry))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Files an indexed frame under the flow it joined after its batch was
    /// written (a fragment whose datagram completed later): sets the flow
    /// key of index record `record` of `segment` and syncs it. The record
    /// must be durable already (its batch flushed).
    public func setFlowKey(_ flowKey: UInt64, segment: SegmentID, record: UInt64) throws(PcapStoreError) {
        if let failure { throw PcapStoreError(.writerFailed, path: failure.path, "earlier failure: \(failure)") }
        let path = root + "/" + segment.indexRelativePath
        do throws(PcapStoreError) {
            let fd = try Posix.openFile(path, O_RDWR)
            defer { Posix.closeFile(fd) }
            let at = PacketIndexFormat.length(records: record)
            guard at + UInt64(PacketIndexFormat.recordLength) <= (try Posix.size(fd, path: path)) else {
                throw PcapStoreError(.positionOutOfBounds, path: path, offset: at, "index record \(record) is not on disk")
            }
            var flags: [UInt8] = [0]
            _ = try Posix.read(fd, into: &flags, at: at + 83, path: path)
            var patch: [UInt8] = []
            patch.appendLE64(flowKey)
            try Posix.writeAll(fd, patch, at: at + 16, path: path)
            flags[0] |= 1
            try Posix.writeAll(fd, flags, at: at + 83, path: path)
            try Posix.syncData(fd, path: path)
        } catch {
            // A write or sync that failed leaves the page cache untrusted.
            if error.code == .io { failure = error }
            throw error
        }
    }

    // MARK: Durability

    /// Writes and fdatasyncs every segment (and index) changed since the
    /// last flush, fsyncs the directories of new files, and returns each
    /// such segment's durable lengths, in path order.
    public func flush() throws(PcapStoreError) -> [FlushedSegment] {
        if let failure { throw PcapStoreError(.writerFailed, path: failure.path, "earlier failure: \(failure)") }
        do {
            let segments = dirty.values.sorted { $0.id < $1.id }
            for segment in segments {
                try drain(segment)
                for file in segment.files where file.needsSync {
                    try Posix.syncData(file.fd, path: file.path)
                    file.needsSync = false
                }
            }
            // Deepest first: a new file's directory, then a new directory's parent.
            for directory in directoriesToSync.sorted(by: { $0.count > $1.count }) {
                try Posix.syncDirectory(directory)
            }
            directoriesToSync.removeAll()
            let flushed = segments.map {
                FlushedSegment(segment: $0.id, durableLength: $0.pcap.written, durableIndexLength: $0.index.written,
                               isNew: $0.isNew)
            }
            for segment in segments { segment.isNew = false }
            dirty.removeAll()
            return flushed
        } catch {
            failure = error
            throw error
        }
    }

    /// Closes (after writing and syncing) the current segments of every key
    /// `matching` says yes to — a finished capture, a past day — so the
    /// writer forgets them. Their lengths are still reported by the next
    /// `flush()`; a later append to such a key starts a new segment.
    public func retire(where matching: (SegmentKey) -> Bool) throws(PcapStoreError) {
        if let failure { throw PcapStoreError(.writerFailed, path: failure.path, "earlier failure: \(failure)") }
        do {
            for (key, segment) in active where matching(key) {
                try closeSegment(segment)
                active[key] = nil
            }
        } catch {
            failure = error
            throw error
        }
    }

    /// Flushes, closes every file and forgets every key. Returns the flush.
    @discardableResult
    public func close() throws(PcapStoreError) -> [FlushedSegment] {
        let flushed = try flush()
        for segment in openSegments.values {
            for file in segment.files where file.fd >= 0 {
                Posix.closeFile(file.fd)
                file.fd = -1
            }
        }
        openSegments.removeAll()
        active.removeAll()
        return flushed
    }

    // MARK: Segments and files

    private func segment(for key: SegmentKey, recordLength: UInt64) throws(PcapStoreError) -> Segment {
        if let current = active[key] {
            let full = current.pcap.length + recordLength > configuration.maxSegmentBytes
                && current.pcap.length > UInt64(PcapFormat.fileHeaderLength)
            if !full {
                try ensureOpen(current)
                return current
            }
            try closeSegment(current)
            active[key] = nil
        }
        let created = try createSegment(for: key)
        active[key] = created
        return created
    }

    private func createSegment(for key: SegmentKey) throws(PcapStoreError) -> Segment {
        let sensorDirectory = root + "/" + key.sensor.uuidString.lowercased()
        let dayDirectory = sensorDirectory + "/" + UTCDay.string(key.day)
        if try Posix.makeDirectory(sensorDirectory) { directoriesToSync.insert(root) }
        if try Posix.makeDirectory(dayDirectory) { directoriesToSync.insert(sensorDirectory) }
        var sequence = nextSequence[key] ?? Self.firstFreeSequence(for: key, in: dayDirectory)
        try makeRoomForOpenFile()
        while true {
            let segment = Segment(id: SegmentID(key: key, sequence: sequence), root: root)
            sequence &+= 1
            // A sequence is free when neither its segment nor its index exists.
            guard let pcapFD = try Posix.createExclusive(segment.pcap.path) else { continue }
            guard let indexFD = try Posix.createExclusive(segment.index.path) else {
                Posix.closeFile(pcapFD)
                try Posix.remove(segment.pcap.path)
                continue
            }
            nextSequence[key] = sequence
            segment.pcap.fd = pcapFD
            segment.pcap.buffer = PcapFormat.fileHeader(linkType: key.linkType)
            segment.pcap.buffer.reserveCapacity(configuration.writeBufferBytes + PcapFormat.fileHeaderLength)
            segment.index.fd = indexFD
            segment.index.buffer = PacketIndexFormat.fileHeader(linkType: key.linkType)
            openSegments[segment.id] = segment
            dirty[segment.id] = segment
            directoriesToSync.insert(dayDirectory)
            return segment
        }
    }

    /// One past the highest sequence of the key already on disk (segment or index).
    static func firstFreeSequence(for key: SegmentKey, in dayDirectory: String) -> UInt32 {
        var highest: UInt32 = 0
        for name in Posix.list(dayDirectory) {
            guard let id = SegmentID(sensor: key.sensor, day: key.day, fileName: name)
                    ?? SegmentID(sensor: key.sensor, day: key.day, indexFileName: name),
                  id.key == key else { continue }
            highest = max(highest, id.sequence)
        }
        return highest &+ 1
    }

    private func ensureOpen(_ segment: Segment) throws(PcapStoreError) {
        guard segment.pcap.fd < 0 else { return }
        try makeRoomForOpenFile()
        segment.pcap.fd = try Posix.openFile(segment.pcap.path, O_WRONLY)
        segment.index.fd = try Posix.openFile(segment.index.path, O_WRONLY)
        openSegments[segment.id] = segment
    }

    private func makeRoomForOpenFile() throws(PcapStoreError) {
        while openSegments.count >= configuration.maxOpenSegments {
            guard let idle = openSegments.values.min(by: { $0.lastUse < $1.lastUse }) else { return }
            try closeSegment(idle)
        }
    }

    /// Hands both buffers to the kernel.
    private func drain(_ segment: Segment) throws(PcapStoreError) {
        guard segment.files.contains(where: { !$0.buffer.isEmpty }) else { return }
        try ensureOpen(segment)
        for file in segment.files where !file.buffer.isEmpty {
            let fd = file.fd
            let offset = file.written
            let path = file.path
            let result: Result<Void, PcapStoreError> = file.buffer.withUnsafeBytes { raw in
                do throws(PcapStoreError) {
                    try Posix.writeAll(fd, raw, at: offset, path: path)
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
            try result.get()
            file.written += UInt64(file.buffer.count)
            file.buffer.removeAll(keepingCapacity: true)
            file.needsSync = true
        }
    }

    /// Writes, syncs and closes; the segment stays dirty until the next flush.
    private func closeSegment(_ segment: Segment) throws(PcapStoreError) {
        try drain(segment)
        for file in segment.files where file.fd >= 0 {
            if file.needsSync {
                try Posix.syncData(file.fd, path: file.path)
                file.needsSync = false
            }
            Posix.closeFile(file.fd)
            file.fd = -1
        }
        openSegments[segment.id] = nil
        for file in segment.files { file.buffer = [] }
    }
}
