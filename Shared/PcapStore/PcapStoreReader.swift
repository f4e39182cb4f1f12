#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dissection

/// Reads packets back by position. Never scans a segment: every read is a
/// pread at a stored offset, checked against the record header it finds and
/// against the file's length before any byte is trusted.
///
/// Not thread-safe: one reader per thread (it caches open files).
public final class PcapStoreReader {
    /// One stored packet.
    public struct Packet: Hashable, Sendable {
        public var linkType: LinkType
        /// Nanoseconds since the epoch, UTC.
        public var timestamp: Int64
        public var wireLength: Int
        public var bytes: [UInt8]
        public var capturedLength: Int { bytes.count }
    }

    public enum ExportFormat: Sendable {
        /// pcap when every position has one linktype, else pcapng.
        case automatic
        /// pcapng even for one linktype.
        case pcapng
    }

    public struct ExportSummary: Hashable, Sendable {
        public var isPcapng: Bool
        public var packets: Int
        /// Bytes handed to the sink.
        public var bytes: UInt64
        /// preads issued: adjacent records of one segment are read together.
        public var reads: Int
    }

    /// Segment files kept open by one reader: an export touches a handful;
    /// 16 keeps descriptors bounded.
    public static let maxOpenFiles = 16

    public let root: String

    private struct OpenFile {
        var fd: Int32
        var size: UInt64
        var path: String
        var lastUse: UInt64
    }
    private var files: [SegmentID: OpenFile] = [:]
    private var clock: UInt64 = 0
    private var buffer: [UInt8] = []

    public init(root: String) {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
    }

    deinit {
        for file in files.values { Posix.closeFile(file.fd) }
    }

    // MARK: One packet

    public func read(_ position: PacketPosition) throws(PcapStoreError) -> Packet {
        var packet: Packet?
        try readRun([position], interface: { _ in 0 }) { _, header, frame in
            packet = Packet(linkType: position.segment.key.linkType, timestamp: header.timestamp,
                            wireLength: header.wireLength, bytes: Array(frame))
        }
        guard let packet else { throw PcapStoreError(.io, path: root, "no packet read") }
        return packet
    }

    /// Appends the records at `positions` to `out` as the store holds them
    /// (pcap record header and captured bytes), in order: adjacent records
    /// of one segment with one pread straight into `out`. A run that fails
    /// is read again record by record; a record that does not check out is
    /// left out and reported to `failed` with its index in `positions`.
    public func appendRecords(_ positions: [PacketPosition], to out: inout [UInt8],
                              failed: (Int, PcapStoreError) -> Void) {
        var start = 0
        while start < positions.count {
            let end = Self.runEnd(positions, from: start)
            do throws(PcapStoreError) {
                try appendRun(positions[start..<end], to: &out)
            } catch {
                for index in start..<end {
                    do throws(PcapStoreError) { try appendRun(positions[index...index], to: &out) } catch { failed(index, error) }
                }
            }
            start = end
        }
    }

    /// One checked run appended to `out`, or `out` as it was.
    private func appendRun(_ run: ArraySlice<PacketPosition>, to out: inout [UInt8]) throws(PcapStoreError) {
        let start = out.count
        let total = try length(of: run)
        out.append(contentsOf: repeatElement(0, count: total))
        let outcome: Result<Void, PcapStoreError> = out.withUnsafeMutableBytes { raw in
            do throws(PcapStoreError) {
                try readRun(run, into: UnsafeMutableRawBufferPointer(rebasing: raw[start...]), interface: { _ in 0 }) { _, _, _ in }
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        if case .failure(let error) = outcome {
            out.removeSubrange(start...)
            throw error
        }
    }

    // MARK: Export

    /// Streams the packets at `positions`, in the order given, as one capture
    /// file to `sink` (in chunks of about `exportChunkBytes`). Storage passes
    /// positions in packet-time order. Runs of adjacent records in one
    /// segment are read with one pread each. One linktype gives nanosecond
    /// pcap; several give pcapng with one interface per linktype, in order of
    /// first appearance. An empty list gives a pcap header (Ethernet) alone.
    /// Errors of the store are `PcapStoreError`; the sink's own pass through.
    @discardableResult
    public func export(_ positions: [PacketPosition], format: ExportFormat = .automatic,
                       to sink: (UnsafeRawBufferPointer) throws -> Void) throws -> ExportSummary {
        var linkTypes: [LinkType] = []
        for position in positions where !linkTypes.contains(position.segment.key.linkType) {
            linkTypes.append(position.segment.key.linkType)
        }
        let pcapng = format == .pcapng || linkTypes.count > 1
        var summary = ExportSummary(isPcapng: pcapng, packets: 0, bytes: 0, reads: 0)
        var out: [UInt8] = []
        out.reserveCapacity(PcapStoreLimits.exportChunkBytes + PcapStoreLimits.maxExportRunBytes)
        func emit(force: Bool) throws {
            guard !out.isEmpty, force || out.count >= PcapStoreLimits.exportChunkBytes else { return }
            try out.withUnsafeBytes { try sink($0) }
            summary.bytes += UInt64(out.count)
            out.removeAll(keepingCapacity: true)
        }

        var pcapngWriter = PcapngWriter()
        var interfaceOf: [LinkType: UInt32] = [:]
        if pcapng {
            for linkType in linkTypes { interfaceOf[linkType] = pcapngWriter.addInterface(linkType: linkType) }
            out.append(contentsOf: pcapngWriter.take())
        } else {
            out.append(contentsOf: PcapFormat.fileHeader(linkType: linkTypes.first ?? .ethernet))
        }

        var start = 0
        while start < positions.count {
            let end = Self.runEnd(positions, from: start)
            let run = positions[start..<end]
            if pcapng {
                try readRun(run, interface: { interfaceOf[$0] ?? 0 }) { interface, header, frame in
                    pcapngWriter.append(interface: interface, timestamp: header.timestamp, frame: frame,
                                        wireLength: header.wireLength)
                }
                out.append(contentsOf: pcapngWriter.take())
            } else {
                // Segments are pcap already: the checked run is copied as is.
                try readRun(run, interface: { _ in 0 }) { _, _, _ in }
                out.append(contentsOf: buffer)
            }
            summary.reads += 1
            summary.packets += run.count
            try emit(force: false)
            start = end
        }
        try emit(force: true)
        return summary
    }

    /// Positions `from ..< end` are adjacent records of one segment and fit one read.
    static func runEnd(_ positions: [PacketPosition], from start: Int) -> Int {
        var end = start + 1
        var bytes = UInt64(positions[start].length)
        while end < positions.count {
            let previous = positions[end - 1], next = positions[end]
            guard next.segment == previous.segment,
                  next.offset == previous.offset + UInt64(previous.length),
                  bytes + UInt64(next.length) <= UInt64(PcapStoreLimits.maxExportRunBytes) else { break }
            bytes += UInt64(next.length)
            end += 1
        }
        return end
    }

    /// The bytes of a run of records whose lengths are possible (checked
    /// before anything is allocated for them).
    private func length(of run: some Collection<PacketPosition>) throws(PcapStoreError) -> Int {
        var total = 0
        for position in run {
            guard position.length >= UInt32(PcapFormat.recordHeaderLength),
                  position.capturedLength <= PcapStoreLimits.maxCapturedLength else {
                throw PcapStoreError(.badPosition, path: root + "/" + position.segment.relativePath,
                                     offset: position.offset, "record length \(position.length)")
            }
            total += Int(position.length)
        }
        return total
    }

    /// Reads adjacent records with one pread into `buffer`, checks each
    /// record header against its position and calls `body` per record.
    private func readRun(_ run: some Collection<PacketPosition>, interface: (LinkType) -> UInt32,
                         body: (UInt32, PcapFormat.RecordHeader, UnsafeRawBufferPointer) -> Void) throws(PcapStoreError) {
        let total = try length(of: run)
        if buffer.count != total { buffer = [UInt8](repeating: 0, count: total) }
        let outcome: Result<Void, PcapStoreError> = buffer.withUnsafeMutableBytes { raw in
            do throws(PcapStoreError) {
                try readRun(run, into: raw, interface: interface, body: body)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try outcome.get()
    }

    /// Reads adjacent records (their lengths checked) with one pread into
    /// `raw` (exactly their length), checks each record header against its
    /// position and calls `body` per record.
    private func readRun(_ run: some Collection<PacketPosition>, into raw: UnsafeMutableRawBufferPointer,
                         interface: (LinkType) -> UInt32,
                         body: (UInt32, PcapFormat.RecordHeader, UnsafeRawBufferPointer) -> Void) throws(PcapStoreError) {
        guard let first = run.first else { return }
        let total = raw.count
        let file = try open(first.segment)
        let path = file.path
        guard first.offset >= UInt64(PcapFormat.fileHeaderLength) else {
            throw PcapStoreError(.positionOutOfBounds, path: path, offset: first.offset, "inside the file header")
        }
        let end = first.offset + UInt64(total)
        if end > file.size {
            let size = try Posix.size(file.fd, path: path)  // the writer may have appended since
            files[first.segment]?.size = size
            guard end <= size else {
                throw PcapStoreError(.positionOutOfBounds, path: path, offset: first.offset,
                                     "record ends at \(end), file has \(size) bytes")
            }
        }
        let got = try Posix.read(file.fd, into: raw, at: first.offset, path: path)
        guard got == total else {
            throw PcapStoreError(.positionOutOfBounds, path: path, offset: first.offset, "short read: \(got) of \(total)")
        }
        let linkType = first.segment.key.linkType
        let iface = interface(linkType)
        let failure: PcapStoreError? = {
            let raw = UnsafeRawBufferPointer(raw)
            var local = 0
            for position in run {
                switch PcapFormat.recordHeader(raw, at: local) {
                case .corrupt(let reason):
                    return PcapStoreError(.corruptRecordHeader, path: path, offset: position.offset, reason)
                case .ok(let header):
                    guard header.capturedLength == position.capturedLength else {
                        return PcapStoreError(.recordMismatch, path: path, offset: position.offset,
                                              "header says \(header.capturedLength) captured bytes, position \(position.capturedLength)")
                    }
                    let frameStart = local + PcapFormat.recordHeaderLength
                    body(iface, header, UnsafeRawBufferPointer(rebasing: raw[frameStart..<(frameStart + header.capturedLength)]))
                    local = frameStart + header.capturedLength
                }
            }
            return nil
        }()
        if let failure { throw failure }
    }

    private func open(_ segment: SegmentID) throws(PcapStoreError) -> OpenFile {
        clock += 1
        if var file = files[segment] {
            file.lastUse = clock
            files[segment] = file
            return file
        }
        if files.count >= Self.maxOpenFiles, let idle = files.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            Posix.closeFile(idle.value.fd)
            files[idle.key] = nil
        }
        let path = root + "/" + segment.relativePath
        let fd = try Posix.openFile(path, O_RDONLY)
        do throws(PcapStoreError) {
            let size = try Posix.size(fd, path: path)
            var header = [UInt8](repeating: 0, count: PcapFormat.fileHeaderLength)
            let got = try Posix.read(fd, into: &header, at: 0, path: path)
            guard got == PcapFormat.fileHeaderLength,
                  let linkType = header.withUnsafeBytes({ PcapFormat.parseFileHeader($0) }),
                  linkType == segment.key.linkType else {
                throw PcapStoreError(.badFileHeader, path: path, offset: 0,
                                     "not a nanosecond pcap of linktype \(segment.key.linkType.rawValue)")
            }
            let file = OpenFile(fd: fd, size: size, path: path, lastUse: clock)
            files[segment] = file
            return file
        } catch {
            Posix.closeFile(fd)
            throw error
        }
    }
}
