import Dissection
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PcapStore
import Wire
import _NIOFileSystem

/// Capture files of stored frames: downloads streamed to the client, and
/// exports written to the exports directory (EXPORTFILE).
extension GatewayRouter {
    /// A capture's or a flow's frames (in frame order) or a search's result
    /// (in time order) as one capture file, streamed a page at a time (pcap,
    /// or pcapng when link types mix). A file whose bytes cannot change has
    /// a length and serves ranges.
    func download(_ target: QueryMessage.ExportTarget, name: String, request: Request) async throws -> Response {
        let source: CaptureFileSource
        switch try await captureFileSource(target) {
        case .success(let ready): source = ready
        case .failure(let refused): return refused.response
        }
        let fileName = name + (source.isPcapng ? ".pcapng" : ".pcap")
        return await Self.fileAnswer(request, size: source.size, headers: [
            .contentType: source.isPcapng ? "application/x-pcapng" : "application/vnd.tcpdump.pcap",
            .contentDisposition: "attachment; filename=\"\(fileName)\"",
        ]) { range, length in
            ResponseBody(contentLength: length) { writer in
                // Small writes, each awaited: the channel takes the next only
                // once it has room, so a slow client holds ~one write, not a read.
                try await source.encode(range: range) { piece in
                    var rest = piece
                    while !rest.isEmpty {
                        try await writer.write(ByteBuffer(bytes: rest.prefix(Self.bytesPerWrite)))
                        rest = rest.dropFirst(Self.bytesPerWrite)
                    }
                }
                try await writer.finish(nil)
            }
        }
    }

    /// A file's answer: whole (200) or, when its `size` is known (its bytes
    /// cannot change), the one range `Range` asks for (206) or 416 when the
    /// file holds none of it. `body` gives the bytes of a range (nil: all)
    /// and their length when known.
    static func fileAnswer(_ request: Request, size: UInt64?, headers: HTTPFields,
                           body: (ClosedRange<UInt64>?, Int?) async throws -> ResponseBody) async rethrows -> Response {
        var headers = headers
        guard let size else {
            headers[.acceptRanges] = "none"
            return Response(status: .ok, headers: headers, body: try await body(nil, nil))
        }
        headers[.acceptRanges] = "bytes"
        switch ByteRange(header: request.headers[.range], size: size) {
        case .whole:
            return Response(status: .ok, headers: headers, body: try await body(nil, Int(size)))
        case .part(let range):
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
            return Response(status: .partialContent, headers: headers,
                            body: try await body(range, Int(range.upperBound - range.lowerBound + 1)))
        case .unsatisfiable:
            var response = json(APIResponse.error(.malformedRequest, "the range is outside the file's \(size) bytes"),
                                status: 416)
            response.headers[.contentRange] = "bytes */\(size)"
            response.headers[.acceptRanges] = "bytes"
            return response
        }
    }

    /// `POST /exports`: a search's result written whole to the exports
    /// directory (under a temporary name, renamed when complete); answers its EXPORTFILE.
    func exportSearch(_ request: Request) async throws -> Response {
        let ask: QueryMessage.SearchRequest
        switch try await checkedSearch(request) {
        case .success(let checked): ask = checked
        case .failure(let refused): return refused.response
        }
        guard exports.hasRoom(for: 0) else { return Self.failure(.genericError, "\(ExportDirectory.Full(exports))") }
        let source: CaptureFileSource
        switch try await captureFileSource(.search(ask)) {
        case .success(let ready): source = ready
        case .failure(let refused): return refused.response
        }
        let name = exports.newName(pcapng: source.isPcapng)
        let partial = FilePath(exports.partialPath(for: name))
        let written: UInt64
        do {
            try await FileSystem.shared.createDirectory(at: FilePath(exports.path), withIntermediateDirectories: true)
            written = try await FileSystem.shared.withFileHandle(
                forWritingAt: partial, options: .newFile(replaceExisting: true)
            ) { [exports] handle in
                // Pieces are whole reads (megabytes): written as they come, unbuffered.
                var offset: Int64 = 0
                let written = try await source.encode { piece in
                    guard exports.hasRoom(for: Int64(piece.count)) else { throw ExportDirectory.Full(exports) }
                    offset += try await handle.write(contentsOf: piece, toAbsoluteOffset: offset)
                }
                try await handle.synchronize()
                return written
            }
            try await FileSystem.shared.moveItem(at: partial, to: FilePath(exports.path(for: name)))
        } catch let full as ExportDirectory.Full {
            _ = try? await FileSystem.shared.removeItem(at: partial)
            return Self.failure(.genericError, "\(full)")
        } catch {
            _ = try? await FileSystem.shared.removeItem(at: partial)
            return Self.failure(.genericError, "cannot write the export: \(error)")
        }
        guard let file = exports.file(named: name) else {
            return Self.failure(.genericError, "the export \(name) vanished as it was written")
        }
        return try Self.ok(ExportFileObject(file, in: exports, packets: written))
    }

    /// `GET /exports/{name}`: an export's bytes.
    func exportDownload(_ request: Request, _ context: some RequestContext) async throws -> Response {
        guard let name = context.parameters.get("name"), let file = exports.file(named: name) else {
            return Self.failure(.noPage, "no such export")
        }
        let path = exports.path(for: file.name)
        return try await Self.fileAnswer(request, size: UInt64(clamping: file.bytes), headers: [
            .contentType: file.isPcapng ? "application/x-pcapng" : "application/vnd.tcpdump.pcap",
            .contentDisposition: "attachment; filename=\"\(file.name)\"",
        ]) { range, _ in
            guard let range else { return try await FileIO().loadFile(path: path, context: context) }
            return try await FileIO().loadFile(path: path, range: Int(range.lowerBound) ... Int(range.upperBound),
                                               context: context)
        }
    }

    func exportList() throws -> Response {
        let files = exports.files()
        return try Self.ok(ListObject(items: files.map { ExportFileObject($0, in: exports) },
                                      lastID: UInt64(files.count)))
    }

    func exportRemoval(_ context: some RequestContext) throws -> Response {
        guard let name = context.parameters.get("name"), let file = exports.file(named: name) else {
            return Self.failure(.noPage, "no such export")
        }
        do {
            try exports.remove(file)
        } catch {
            return Self.failure(.genericError, "cannot remove \(name): \(error)")
        }
        return try Self.ok(ExportFileObject(file, in: exports))
    }

    /// A capture file's plan, its first page of positions and the first
    /// read, or the answer refusing it. The first read is done before
    /// anything is sent or written: a file that cannot start is an error
    /// answer, not a broken transfer.
    func captureFileSource(_ target: QueryMessage.ExportTarget) async throws -> Result<CaptureFileSource, RefusedRequest> {
        let reply: QueryMessage.Body
        do {
            reply = try await search.ask(.getExportPlan(target))
        } catch {
            return .failure(RefusedRequest(Self.failure(.genericError, "\(error)")))
        }
        guard case .exportPlan(let plan) = reply else { return .failure(RefusedRequest(Self.unexpected(reply))) }
        guard let plan else {
            let missing = switch target {
            case .scope(.capture(let id)): "no capture \(id)"
            case .scope(.flow(let id)): "no flow \(id)"
            case .search: "the query cannot run"
            }
            return .failure(RefusedRequest(Self.failure(.noPage, missing)))
        }
        do {
            let first = try await nextRead(after: ExportChunks(page: try await framePositions(target, after: .start)),
                                           of: target)
            return .success(CaptureFileSource(router: self, target: target,
                                              linkTypes: plan.linkTypes.map { LinkType(rawValue: $0) }, first: first,
                                              fixedFrames: plan.fixedFrames))
        } catch {
            return .failure(RefusedRequest(Self.failure(.genericError, "cannot read the frames: \(error)")))
        }
    }

    /// Frame positions after the cursor, in the file's order (search).
    func framePositions(_ target: QueryMessage.ExportTarget,
                        after: QueryMessage.ExportCursor) async throws -> [QueryMessage.ExportFrame] {
        let reply = try await search.ask(.listExportFrames(target, after: after, limit: Self.positionsPerPage))
        guard case .exportFrames(let list) = reply else { throw GatewayError.unexpected("\(reply)") }
        return list
    }

    /// The chunk after `chunks`' last one (asking search for the next page
    /// when the current one is done) and its records; nil at the end.
    /// Chunks wholly within the file's first `skipping` bytes are passed
    /// over unread (a range's start; `pcapng` says how frames are encoded).
    func nextRead(after chunks: ExportChunks, of target: QueryMessage.ExportTarget, skipping: UInt64 = 0,
                  pcapng: Bool = false) async throws -> ExportRead? {
        var chunks = chunks
        var skipped: UInt64 = 0
        while true {
            if chunks.isAtEnd {
                guard let last = chunks.page.last else { return nil }
                chunks = ExportChunks(page: try await framePositions(target, after: last.cursor))
            }
            guard let chunk = chunks.next() else { return nil }
            let bytes = ExportRead.encodedLength(of: chunk, pcapng: pcapng)
            if skipped + bytes <= skipping {
                skipped += bytes
                continue
            }
            return ExportRead(chunks: chunks, frames: chunk, records: try await readRecords(chunk.map(\.position)),
                              skipped: skipped)
        }
    }

    /// Positions asked of search at a time: a download holds its page (~60
    /// bytes a position decoded) until it is written, so a page is one
    /// read's worth; search serves a search's later pages from its snapshot.
    static let positionsPerPage = framesPerRead
    /// Frames and bytes read from storage and written at a time: what
    /// bounds a download's memory (two reads: one written, one read ahead),
    /// ~1 MiB with its page of positions.
    static let framesPerRead = 5_000
    static let bytesPerRead = 256 << 10
    /// Bytes handed to the channel at a time: NIO keeps a write until the
    /// socket takes it, so this (not a read) is what a slow client holds there.
    static let bytesPerWrite = 64 << 10
}

/// A page of frame positions cut into reads of at most
/// `GatewayRouter.framesPerRead` frames and `bytesPerRead` bytes (one frame always).
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
        while end < page.endIndex, end - start < GatewayRouter.framesPerRead,
              end == start || bytes + Int(page[end].position.length) <= GatewayRouter.bytesPerRead {
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
    let router: GatewayRouter
    let target: QueryMessage.ExportTarget
    let linkTypes: [LinkType]
    let first: ExportRead?
    let fixedFrames: QueryMessage.FrameSizes?
    let isPcapng: Bool

    init(router: GatewayRouter, target: QueryMessage.ExportTarget, linkTypes: [LinkType], first: ExportRead?,
         fixedFrames: QueryMessage.FrameSizes? = nil) {
        self.router = router
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
                ? router.nextRead(after: read.chunks, of: target, skipping: skipping, pcapng: isPcapng) : nil
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
