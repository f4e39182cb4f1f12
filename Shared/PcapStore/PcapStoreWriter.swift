#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dissection
import Foundation
import Formats

/// Appends packets to segment files under a store root and makes them
/// durable on `flush()`.
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
        /// Segment files kept open at once; the least recently used is
        /// written, synced and closed to make room.
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
        /// The file was created since the previous flush (storage inserts its row).
        public var isNew: Bool
    }

    public let root: String
    public let configuration: Configuration

    private final class Segment {
        let id: SegmentID
        let path: String
        var fd: Int32 = -1
        /// Bytes handed to the kernel.
        var written: UInt64 = 0
        /// Bytes not yet handed to the kernel.
        var buffer: [UInt8] = []
        /// Written but not yet fdatasynced.
        var needsSync = false
        var isNew = true
        var lastUse: UInt64 = 0
        var length: UInt64 { written + UInt64(buffer.count) }

        init(id: SegmentID, path: String) {
            self.id = id
            self.path = path
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
        for segment in openSegments.values where segment.fd >= 0 { Posix.closeFile(segment.fd) }
    }

    /// Number of segment files open now (at most `maxOpenSegments`).
    public var openFileCount: Int { openSegments.count }

    /// The absolute path of a segment under this store.
    public func path(of segment: SegmentID) -> String { root + "/" + segment.relativePath }

    // MARK: Appending

    /// Appends one record to the key's current segment and returns where it
    /// is. The key's day must be the UTC day of `timestamp`.
    @discardableResult
    public func append(key: SegmentKey, timestamp: Int64, frame: UnsafeRawBufferPointer, wireLength: Int) throws(PcapStoreError) -> PacketPosition {
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
            let offset = segment.length
            PcapFormat.appendRecordHeader(to: &segment.buffer, timestamp: timestamp,
                                          capturedLength: frame.count, wireLength: wireLength)
            segment.buffer.append(contentsOf: frame)
            dirty[segment.id] = segment
            if segment.buffer.count >= configuration.writeBufferBytes { try drain(segment) }
            return PacketPosition(segment: segment.id, offset: offset, length: UInt32(recordLength))
        } catch {
            failure = error
            throw error
        }
    }

    @discardableResult
    public func append(key: SegmentKey, timestamp: Int64, frame: [UInt8], wireLength: Int? = nil) throws(PcapStoreError) -> PacketPosition {
        let result: Result<PacketPosition, PcapStoreError> = frame.withUnsafeBytes { raw in
            do throws(PcapStoreError) {
                return .success(try append(key: key, timestamp: timestamp, frame: raw, wireLength: wireLength ?? raw.count))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Appends with the key computed from the packet's time.
    @discardableResult
    public func append(sensor: UUID, capture: UInt64, linkType: LinkType, timestamp: Int64,
                       frame: UnsafeRawBufferPointer, wireLength: Int) throws(PcapStoreError) -> PacketPosition {
        let key = SegmentKey(sensor: sensor, capture: capture, linkType: linkType, timestamp: timestamp)
        return try append(key: key, timestamp: timestamp, frame: frame, wireLength: wireLength)
    }

    // MARK: Durability

    /// Writes and fdatasyncs every segment changed since the last flush,
    /// fsyncs the directories of new files, and returns each such segment's
    /// durable length, in path order.
    public func flush() throws(PcapStoreError) -> [FlushedSegment] {
        if let failure { throw PcapStoreError(.writerFailed, path: failure.path, "earlier failure: \(failure)") }
        do {
            let segments = dirty.values.sorted { $0.id < $1.id }
            for segment in segments {
                if !segment.buffer.isEmpty { try drain(segment) }
                if segment.needsSync {
                    try Posix.syncData(segment.fd, path: segment.path)
                    segment.needsSync = false
                }
            }
            // Deepest first: a new file's directory, then a new directory's parent.
            for directory in directoriesToSync.sorted(by: { $0.count > $1.count }) {
                try Posix.syncDirectory(directory)
            }
            directoriesToSync.removeAll()
            let flushed = segments.map { FlushedSegment(segment: $0.id, durableLength: $0.written, isNew: $0.isNew) }
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
            Posix.closeFile(segment.fd)
            segment.fd = -1
        }
        openSegments.removeAll()
        active.removeAll()
        return flushed
    }

    // MARK: Segments and files

    private func segment(for key: SegmentKey, recordLength: UInt64) throws(PcapStoreError) -> Segment {
        if let current = active[key] {
            let full = current.length + recordLength > configuration.maxSegmentBytes
                && current.length > UInt64(PcapFormat.fileHeaderLength)
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
            let id = SegmentID(key: key, sequence: sequence)
            let path = root + "/" + id.relativePath
            if let fd = try Posix.createExclusive(path) {
                nextSequence[key] = sequence &+ 1
                let segment = Segment(id: id, path: path)
                segment.fd = fd
                segment.buffer = PcapFormat.fileHeader(linkType: key.linkType)
                segment.buffer.reserveCapacity(configuration.writeBufferBytes + PcapFormat.fileHeaderLength)
                openSegments[id] = segment
                dirty[id] = segment
                directoriesToSync.insert(dayDirectory)
                return segment
            }
            sequence &+= 1
        }
    }

    /// One past the highest sequence of the key already on disk.
    static func firstFreeSequence(for key: SegmentKey, in dayDirectory: String) -> UInt32 {
        var highest: UInt32 = 0
        for name in Posix.list(dayDirectory) {
            guard let id = SegmentID(sensor: key.sensor, day: key.day, fileName: name), id.key == key else { continue }
            highest = max(highest, id.sequence)
        }
        return highest &+ 1
    }

    private func ensureOpen(_ segment: Segment) throws(PcapStoreError) {
        guard segment.fd < 0 else { return }
        try makeRoomForOpenFile()
        segment.fd = try Posix.openFile(segment.path, O_WRONLY)
        openSegments[segment.id] = segment
    }

    private func makeRoomForOpenFile() throws(PcapStoreError) {
        while openSegments.count >= configuration.maxOpenSegments {
            guard let idle = openSegments.values.min(by: { $0.lastUse < $1.lastUse }) else { return }
            try closeSegment(idle)
        }
    }

    /// Hands the buffer to the kernel.
    private func drain(_ segment: Segment) throws(PcapStoreError) {
        guard !segment.buffer.isEmpty else { return }
        try ensureOpen(segment)
        let fd = segment.fd
        let offset = segment.written
        let path = segment.path
        let result: Result<Void, PcapStoreError> = segment.buffer.withUnsafeBytes { raw in
            do throws(PcapStoreError) {
                try Posix.writeAll(fd, raw, at: offset, path: path)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
        segment.written += UInt64(segment.buffer.count)
        segment.buffer.removeAll(keepingCapacity: true)
        segment.needsSync = true
    }

    /// Writes, syncs and closes; the segment stays dirty until the next flush.
    private func closeSegment(_ segment: Segment) throws(PcapStoreError) {
        try drain(segment)
        if segment.fd >= 0 {
            if segment.needsSync {
                try Posix.syncData(segment.fd, path: segment.path)
                segment.needsSync = false
            }
            Posix.closeFile(segment.fd)
            segment.fd = -1
        }
        openSegments[segment.id] = nil
        segment.buffer = []
    }
}
