import Dissection
import PcapStore
import Wire

/// A page of frame positions cut into reads of at most
/// `CaptureFiles.framesPerRead` frames and `bytesPerRead` bytes (one frame always).
struct ExportChunks: Sendable {
    let page: [QueryMessage.ExportFrame]
    private var start: Int

    init(page: [QueryMessage.ExportFrame]) {
        self.page = page
        start = page.startIndex
    }

    var isAtEnd: Bool { start == page.endIndex }

    mutating func next() -> ArraySlice<QueryMessage.ExportFrame>? {
        guard start < page.endIndex else { return nil }
        var end = start
        var bytes = 0
        while end < page.endIndex, end - start < CaptureFiles.framesPerRead,
              end == start || bytes + Int(page[end].position.length) <= CaptureFiles.bytesPerRead {
            bytes += Int(page[end].position.length)
            end += 1
        }
        defer { start = end }
        return page[start ..< end]
    }
}

/// One read of an export: its frames' positions and storage's replies.
struct ExportRead: Sendable {
    /// Where the next read starts.
    let chunks: ExportChunks
    let frames: ArraySlice<QueryMessage.ExportFrame>
    let records: [StoredRecords]
    /// The file's bytes of the frames passed over, unread, before these.
    var skipped: UInt64 = 0

    /// The bytes `frames` take in the file (as stored records, or pcapng blocks).
    static func encodedLength(of frames: ArraySlice<QueryMessage.ExportFrame>, pcapng: Bool) -> UInt64 {
        frames.reduce(0) {
            $0 + CaptureFileEncoder.encodedLength(capturedLength: UInt64(max($1.position.length, 16) - 16),
                                                  pcapng: pcapng)
        }
    }
}

/// The frames of one capture file, ready to encode: its link types and its first read.
struct CaptureFileSource: Sendable {
    let files: CaptureFiles
    let target: QueryMessage.ExportTarget
    let linkTypes: [LinkType]
    let first: ExportRead?
    let fixedFrames: QueryMessage.FrameSizes?
    let isPcapng: Bool

    init(files: CaptureFiles, target: QueryMessage.ExportTarget, linkTypes: [LinkType], first: ExportRead?,
         fixedFrames: QueryMessage.FrameSizes? = nil) {
        self.files = files
        self.target = target
        self.linkTypes = linkTypes
        self.first = first
        self.fixedFrames = fixedFrames
        isPcapng = CaptureFileEncoder(linkTypes: linkTypes).isPcapng
    }

    /// Encodes every frame, handing `write` the file's bytes a read at a
    /// time while the next read is under way (one read ahead, no more);
    /// returns the frames written. A frame storage cannot give back breaks
    /// the file off: it is never quietly short.
    ///
    /// With a `range`, only its bytes are handed over: reads wholly before
    /// it are passed over unread, and encoding stops after its end.
    @discardableResult
    func encode(range: ClosedRange<UInt64>? = nil,
                into write: (ArraySlice<UInt8>) async throws -> Void) async throws -> UInt64 {
        var encoder = CaptureFileEncoder(linkTypes: linkTypes)
        var cutter = range.map { ByteRangeCutter($0) }
        func emit(_ piece: ArraySlice<UInt8>) async throws {
            guard cutter != nil else { return try await write(piece) }
            if let part = cutter?.cut(piece) { try await write(part) }
        }
        try await emit(encoder.take()[...])
        var current = first
        var written: UInt64 = 0
        while let read = current, cutter?.isDone != true {
            cutter?.skip(read.skipped)
            let end = (cutter?.offset ?? 0) + ExportRead.encodedLength(of: read.frames, pcapng: isPcapng)
            let skipping = cutter.map { $0.range.lowerBound > end ? $0.range.lowerBound - end : 0 } ?? 0
            let needed = cutter.map { end <= $0.range.upperBound } ?? true
            async let ahead = needed
                ? files.nextRead(after: read.chunks, of: target, skipping: skipping, pcapng: isPcapng) : nil
            try await Self.write(read, with: &encoder, into: emit)
            written += UInt64(read.frames.count)
            current = try await ahead
        }
        return written
    }

    /// The file's size when its bytes cannot change (the plan has its frames' sizes).
    var size: UInt64? {
        fixedFrames.map {
            CaptureFileEncoder.fileSize(linkTypes: linkTypes, frames: $0.frames, capturedBytes: $0.capturedBytes,
                                        paddedBytes: $0.paddedBytes)
        }
    }

    /// One read's frames: pcap records as storage sent them, or pcapng blocks.
    private static func write(_ read: ExportRead, with encoder: inout CaptureFileEncoder,
                              into write: (ArraySlice<UInt8>) async throws -> Void) async throws {
        var rest = read.frames
        for records in read.records {
            let frames = rest.prefix(records.count)
            rest = rest.dropFirst(records.count)
            if let failed = records.unreadable.first {
                throw GatewayError.unreadableFrame(frames.dropFirst(failed.index).first?.frame ?? 0, failed.reason)
            }
            if frames.allSatisfy({ encoder.takesStoredRecords(of: LinkType(rawValue: $0.linkType)) }) {
                try await write(records.bytes)
                continue
            }
            var entries = frames.makeIterator()
            var refused: QueryMessage.ExportFrame?
            records.forEachRecord { timestamp, wireLength, frame in
                guard let entry = entries.next() else { return }
                if !encoder.append(linkType: LinkType(rawValue: entry.linkType), timestamp: timestamp,
                                   wireLength: Int(wireLength), frame: frame) {
                    refused = refused ?? entry
                }
            }
            if let refused {
                throw GatewayError.unreadableFrame(refused.frame, "link type \(refused.linkType) is not in the file's plan")
            }
            try await write(encoder.take()[...])
        }
    }
}
