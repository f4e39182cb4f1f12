#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dissection

/// Reads a segment's packet index: runs of fixed-width records, in chunks
/// of `chunkRecords`, each checked (header, bounds, reserved bits) before
/// it is trusted. Opens the file per call, so a reader holds no descriptor
/// between scans and any thread may use its own.
public struct PacketIndexReader: Sendable {
    /// Records read with one pread: 64 KiB / 128 B. Bounds the memory of a
    /// scan, and stays below malloc's mmap threshold: a buffer it maps
    /// afresh for every run costs a page fault per 4 KiB, which took half
    /// of a whole-store scan's time.
    public static let chunkRecords = 512

    public let root: String

    public init(root: String) {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
    }

    /// The entries of `segment`'s index numbered `records` (0-based), in file order.
    public func entries(of segment: SegmentID, records: Range<UInt64>) throws(PcapStoreError) -> [PacketIndexEntry] {
        var out: [PacketIndexEntry] = []
        out.reserveCapacity(Int(min(UInt64(records.count), UInt64(Self.chunkRecords))))
        try scan(segment, records: records) { out.append($1) }
        return out
    }

    /// Calls `body` with each record's number and entry, in file order.
    /// Records past the end of the file are an error (`.positionOutOfBounds`):
    /// the caller asks only for committed records. With `flowKeys`, only
    /// the records of those flows, the others skipped before they are
    /// decoded (a search scoped to a few flows reads whole runs).
    public func scan(_ segment: SegmentID, records: Range<UInt64>, flowKeys: Set<UInt64>? = nil,
                     _ body: (UInt64, PacketIndexEntry) throws(PcapStoreError) -> Void) throws(PcapStoreError) {
        guard !records.isEmpty else { return }
        let path = root + "/" + segment.indexRelativePath
        let fd = try Posix.openFile(path, O_RDONLY)
        defer { Posix.closeFile(fd) }
        let size = try Posix.size(fd, path: path)
        var header = [UInt8](repeating: 0, count: PacketIndexFormat.headerLength)
        guard try Posix.read(fd, into: &header, at: 0, path: path) == header.count,
              let linkType = header.withUnsafeBytes({ PacketIndexFormat.parseFileHeader($0) }) else {
            throw PcapStoreError(.badFileHeader, path: path, offset: 0, "not a NetSift packet index")
        }
        guard linkType == segment.key.linkType else {
            throw PcapStoreError(.badFileHeader, path: path, offset: 0,
                                 "linktype \(linkType.rawValue), the segment's is \(segment.key.linkType.rawValue)")
        }
        guard records.upperBound <= PacketIndexFormat.records(length: size) else {
            throw PcapStoreError(.positionOutOfBounds, path: path, offset: PacketIndexFormat.length(records: records.upperBound),
                                 "record \(records.upperBound - 1) is past the end (\(size) bytes)")
        }
        let width = PacketIndexFormat.recordLength
        var chunk = [UInt8](unsafeUninitializedCapacity: min(records.count, Self.chunkRecords) * width) { _, count in
            count = min(records.count, Self.chunkRecords) * width
        }
        var next = records.lowerBound
        while next < records.upperBound {
            let count = Int(min(records.upperBound - next, UInt64(Self.chunkRecords)))
            let offset = PacketIndexFormat.length(records: next)
            let read: Result<Int, PcapStoreError> = chunk.withUnsafeMutableBytes { raw in
                do throws(PcapStoreError) {
                    return .success(try Posix.read(fd, into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<(count * width)]),
                                                   at: offset, path: path))
                } catch {
                    return .failure(error)
                }
            }
            let got = try read.get()
            guard got == count * width else {
                throw PcapStoreError(.positionOutOfBounds, path: path, offset: offset + UInt64(got), "index ends early")
            }
            for slot in 0..<count {
                if let flowKeys, !chunk.withUnsafeBytes({ raw in
                    PacketIndexFormat.flowKey(raw, at: slot * width).map(flowKeys.contains) ?? false
                }) { continue }
                let entry = chunk.withUnsafeBytes { PacketIndexFormat.entry($0, at: slot * width) }
                guard let entry else {
                    throw PcapStoreError(.corruptRecordHeader, path: path, offset: offset + UInt64(slot * width),
                                         "packet index record \(next + UInt64(slot)) has reserved bits set or an impossible value")
                }
                try body(next + UInt64(slot), entry)
            }
            next += UInt64(count)
        }
    }
}
