import Dissection
import HTTPTypes
import Hummingbird
import NIOCore
import Wire

/// Capture files of stored frames: a capture's, a flow's or a search's
/// result, planned by search and read from storage, streamed to the client
/// or written to an export.
struct CaptureFiles: Sendable {
    let search: any SearchBackend
    let frames: FrameReader

    /// A capture's or a flow's frames (in frame order) or a search's result
    /// (in time order) as one capture file, streamed a page at a time (pcap,
    /// or pcapng when link types mix). A file whose bytes cannot change has
    /// a length and serves ranges.
    func download(_ target: QueryMessage.ExportTarget, name: String, request: Request) async throws -> Response {
        let source = try await source(target)
        let fileName = name + (source.isPcapng ? ".pcapng" : ".pcap")
        return try await Self.fileAnswer(request, size: source.size, headers: [
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
    /// cannot change), the one range `Range` asks for (206); 416 when the
    /// file holds none of it. `body` gives the bytes of a range (nil: all)
    /// and their length when known.
    static func fileAnswer(_ request: Request, size: UInt64?, headers: HTTPFields,
                           body: (ClosedRange<UInt64>?, Int?) async throws -> ResponseBody) async throws -> Response {
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
            throw APIError(.malformedRequest, "the range is outside the file's \(size) bytes", status: .rangeNotSatisfiable,
                           headers: [.contentRange: "bytes */\(size)", .acceptRanges: "bytes"])
        }
    }

    /// A capture file's plan, its first page of positions and the first
    /// read. The first read is done before anything is sent or written: a
    /// file that cannot start is an error answer, not a broken transfer.
    func source(_ target: QueryMessage.ExportTarget) async throws -> CaptureFileSource {
        let missing = switch target {
        case .scope(.capture(let id)): "no capture \(id)"
        case .scope(.flow(let id)): "no flow \(id)"
        case .search: "the query cannot run"
        }
        let plan = try await search.object(.search(.getExportPlan(target)), \.exportPlan, missing: missing)
        do {
            let first = try await nextRead(after: ExportChunks(page: try await framePositions(target, after: .start)),
                                           of: target)
            return CaptureFileSource(files: self, target: target, linkTypes: plan.linkTypes.map { LinkType(rawValue: $0) },
                                     first: first, fixedFrames: plan.fixedFrames)
        } catch {
            throw APIError.internalError("cannot read the frames: \(error)")
        }
    }

    /// Frame positions after the cursor, in the file's order (search).
    func framePositions(_ target: QueryMessage.ExportTarget,
                        after: QueryMessage.ExportCursor) async throws -> [QueryMessage.ExportFrame] {
        try await search.reply(to: .search(.listExportFrames(target, after: after, limit: Self.positionsPerPage)),
                               \.exportFrames)
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
            return ExportRead(chunks: chunks, frames: chunk, records: try await frames.records(at: chunk.map(\.position)),
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
