#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dissection

/// Start-up repair of segment files: cut what was written after the last
/// committed flush, or, for a file storage has no length for, cut a torn
/// final record.
public enum PcapStoreRecovery {
    /// What a scan of a segment found.
    public struct ScanResult: Hashable, Sendable {
        /// The linktype in the file header; nil when the header itself is torn.
        public var linkType: LinkType?
        /// Bytes up to the end of the last complete record (0 when the file
        /// header is torn, 24 when the file holds no complete record).
        public var validLength: UInt64
        public var recordCount: Int
        /// Bytes past `validLength`: a torn final record (or header).
        public var tornBytes: UInt64
        public var lastTimestamp: Int64?
    }

    /// Cuts `path` back to `committedLength` and syncs it. Returns how many
    /// bytes were cut (0 when the file already has that length). A file
    /// shorter than its committed length is an error: committed data is gone.
    @discardableResult
    public static func truncate(segment path: String, toCommittedLength committedLength: UInt64) throws(PcapStoreError) -> UInt64 {
        let fd = try Posix.openFile(path, O_RDWR)
        defer { Posix.closeFile(fd) }
        let size = try Posix.size(fd, path: path)
        guard size >= committedLength else {
            throw PcapStoreError(.shorterThanCommitted, path: path, offset: size,
                                 "file has \(size) bytes, \(committedLength) were committed")
        }
        guard size > committedLength else { return 0 }
        try Posix.truncate(fd, to: committedLength, path: path)
        try Posix.syncData(fd, path: path)
        return size - committedLength
    }

    /// Walks the record headers of a segment (reading headers, skipping
    /// frame bytes, `scanChunkBytes` at a time) to the last complete record.
    /// A record that runs past the end of the file is torn; a header with
    /// impossible values is corruption (`.corruptRecordHeader`), as is a file
    /// header that is not nanosecond pcap (`.badFileHeader`).
    public static func scan(segment path: String) throws(PcapStoreError) -> ScanResult {
        let fd = try Posix.openFile(path, O_RDONLY)
        defer { Posix.closeFile(fd) }
        let size = try Posix.size(fd, path: path)
        var header = [UInt8](repeating: 0, count: PcapFormat.fileHeaderLength)
        let got = try Posix.read(fd, into: &header, at: 0, path: path)
        guard got == PcapFormat.fileHeaderLength else {
            return ScanResult(linkType: nil, validLength: 0, recordCount: 0, tornBytes: size, lastTimestamp: nil)
        }
        guard let linkType = header.withUnsafeBytes({ PcapFormat.parseFileHeader($0) }) else {
            throw PcapStoreError(.badFileHeader, path: path, offset: 0, "not a little-endian nanosecond pcap")
        }

        var result = ScanResult(linkType: linkType, validLength: UInt64(PcapFormat.fileHeaderLength),
                                recordCount: 0, tornBytes: 0, lastTimestamp: nil)
        var chunk = [UInt8](repeating: 0, count: PcapStoreLimits.scanChunkBytes)
        var chunkStart: UInt64 = 0
        var chunkCount = 0
        var position = UInt64(PcapFormat.fileHeaderLength)
        let headerLength = UInt64(PcapFormat.recordHeaderLength)
        scanning: while position + headerLength <= size {
            // Make sure the 16 header bytes at `position` are in the chunk.
            if position < chunkStart || position + headerLength > chunkStart + UInt64(chunkCount) {
                chunkStart = position
                chunkCount = try Posix.read(fd, into: &chunk, at: position, path: path)
                guard chunkCount >= PcapFormat.recordHeaderLength else { break scanning }
            }
            let check = chunk.withUnsafeBytes { PcapFormat.recordHeader($0, at: Int(position - chunkStart)) }
            switch check {
            case .corrupt(let reason):
                throw PcapStoreError(.corruptRecordHeader, path: path, offset: position, reason)
            case .ok(let record):
                let end = position + headerLength + UInt64(record.capturedLength)
                guard end <= size else { break scanning }  // torn final record
                result.recordCount += 1
                result.lastTimestamp = record.timestamp
                result.validLength = end
                position = end
            }
        }
        result.tornBytes = size - result.validLength
        return result
    }

    /// Scans and cuts a torn final record. Returns the scan.
    @discardableResult
    public static func cutTornTail(segment path: String) throws(PcapStoreError) -> ScanResult {
        let result = try scan(segment: path)
        if result.tornBytes > 0 {
            try truncate(segment: path, toCommittedLength: result.validLength)
        }
        return result
    }

    /// What storage committed of one segment: its length and its index's.
    public struct CommittedLength: Hashable, Sendable {
        public var segment: UInt64
        /// 0 for a segment written before the index existed (it has none).
        public var index: UInt64

        public init(segment: UInt64, index: UInt64) {
            self.segment = segment
            self.index = index
        }
    }

    /// What `reconcile` did to one segment.
    public enum Action: Hashable, Sendable {
        /// Cut to its committed lengths (bytes cut from the segment and its
        /// index; 0 means it already matched).
        case truncated(SegmentID, cutBytes: UInt64, cutIndexBytes: UInt64)
        /// No committed length: the files were created after the last commit
        /// and nothing points into them, so they were removed.
        case removed(SegmentID)
    }

    /// Start-up pass over a whole store: every segment with a committed
    /// length is cut back to it, its index too; every segment without one
    /// is removed with its index, as is an index whose segment is gone
    /// (no committed batch can point into either). Files that are not
    /// segments are left alone. A committed segment or index that is
    /// missing or short throws.
    public static func reconcile(root: String,
                                 committedLengths: [SegmentID: CommittedLength]) throws(PcapStoreError) -> [Action] {
        var actions: [Action] = []
        var seen: Set<SegmentID> = []
        for stored in PcapStoreInventory.segments(root: root) {
            seen.insert(stored.id)
            guard let committed = committedLengths[stored.id] else {
                if let index = stored.indexPath { try Posix.remove(index) }
                try Posix.remove(stored.path)
                actions.append(.removed(stored.id))
                continue
            }
            let cut = try truncate(segment: stored.path, toCommittedLength: committed.segment)
            var cutIndex: UInt64 = 0
            if let index = stored.indexPath {
                cutIndex = try truncate(segment: index, toCommittedLength: committed.index)
            } else if committed.index > 0 {
                throw PcapStoreError(.segmentMissing, path: root + "/" + stored.id.indexRelativePath,
                                     "\(committed.index) index bytes were committed but the file is gone")
            }
            actions.append(.truncated(stored.id, cutBytes: cut, cutIndexBytes: cutIndex))
        }
        for orphan in PcapStoreInventory.orphanIndexes(root: root) where committedLengths[orphan.id] == nil {
            try Posix.remove(orphan.path)
            actions.append(.removed(orphan.id))
        }
        for (id, length) in committedLengths where !seen.contains(id) && length.segment > 0 {
            throw PcapStoreError(.segmentMissing, path: root + "/" + id.relativePath,
                                 "\(length.segment) bytes were committed but the file is gone")
        }
        return actions
    }
}
