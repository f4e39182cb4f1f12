import _NIOFileSystem
import Dissection
import Foundation
import HTTPTypes
import Hummingbird
import Messaging
import NIOCore
import PcapStore
import Search

/// Capture files of stored frames: downloads streamed to the client, and
/// exports written to the exports directory (EXPORTFILE).
extension GatewayRouter {
    /// A capture's or a flow's frames (in frame order) or a search's result
    /// (in time order) as one capture file, streamed a page at a time (pcap,
    /// or pcapng when link types mix).
    func download(_ target: QueryMessage.ExportTarget, name: String) async throws -> Response {
        let source: CaptureFileSource
        switch try await captureFileSource(target) {
        case .success(let ready): source = ready
        case .failure(let refused): return refused.response
        }
        let body = ResponseBody { writer in
            _ = try await source.encode { try await writer.write(ByteBuffer(bytes: $0)) }
            try await writer.finish(nil)
        }
        let fileName = name + (source.isPcapng ? ".pcapng" : ".pcap")
        return Response(status: .ok, headers: [
            .contentType: source.isPcapng ? "application/x-pcapng" : "application/vnd.tcpdump.pcap",
            .contentDisposition: "attachment; filename=\"\(fileName)\"",
        ], body: body)
    }

    /// `POST /exports`: a search's result written whole to the exports
    /// directory (under a temporary name, renamed when complete); answers its EXPORTFILE.
    func exportSearch(_ request: Request) async throws -> Response {
        let ask: QueryMessage.SearchRequest
        switch try await checkedSearch(request) {
        case .success(let checked): ask = checked
        case .failure(let refused): return refused.response
        }
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
            ) { handle in
                try await handle.withBufferedWriter { writer in
                    try await source.encode { _ = try await writer.write(contentsOf: $0) }
                }
            }
            try await FileSystem.shared.moveItem(at: partial, to: FilePath(exports.path(for: name)))
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
    func exportDownload(_ context: some RequestContext) async throws -> Response {
        guard let name = context.parameters.get("name"), let file = exports.file(named: name) else {
            return Self.failure(.noPage, "no such export")
        }
        let body = try await FileIO().loadFile(path: exports.path(for: file.name), context: context)
        return Response(status: .ok, headers: [
            .contentType: file.isPcapng ? "application/x-pcapng" : "application/vnd.tcpdump.pcap",
            .contentDisposition: "attachment; filename=\"\(file.name)\"",
        ], body: body)
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

    /// A capture file's plan and first page, or the answer refusing it. The
    /// first page is read before anything is sent or written: a file that
    /// cannot start is an error answer, not a broken transfer.
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
            let frames = try await framePositions(target, after: .start)
            let bytes = try await read(frames.prefix(Self.framesPerRead).map(\.position))
            return .success(CaptureFileSource(router: self, target: target,
                                              linkTypes: plan.linkTypes.map { LinkType(rawValue: $0) },
                                              first: frames, firstBytes: bytes))
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

    /// Positions asked of search at a time: each page of a search's file
    /// evaluates its query again, so pages are as large as a `query.v1`
    /// answer comfortably holds (~200 bytes a position).
    static let positionsPerPage = SearchEngine.maxExportFrames
    /// Frames read from storage and encoded at a time: what bounds an export's memory.
    static let framesPerRead = 5_000
}

/// The frames of one capture file, ready to encode: its link types, its
/// first page of positions and the bytes of the first frames.
struct CaptureFileSource: Sendable {
    let router: GatewayRouter
    let target: QueryMessage.ExportTarget
    let linkTypes: [LinkType]
    let first: [QueryMessage.ExportFrame]
    let firstBytes: [PacketReadMessage.StoredFrame]
    let isPcapng: Bool

    init(router: GatewayRouter, target: QueryMessage.ExportTarget, linkTypes: [LinkType],
         first: [QueryMessage.ExportFrame], firstBytes: [PacketReadMessage.StoredFrame]) {
        self.router = router
        self.target = target
        self.linkTypes = linkTypes
        self.first = first
        self.firstBytes = firstBytes
        isPcapng = CaptureFileEncoder(linkTypes: linkTypes).isPcapng
    }

    /// Encodes every frame, handing `write` the file's bytes a read at a
    /// time; returns the frames written. A frame storage cannot give back
    /// breaks the file off: it is never quietly short.
    func encode(into write: ([UInt8]) async throws -> Void) async throws -> UInt64 {
        var encoder = CaptureFileEncoder(linkTypes: linkTypes)
        var page = first
        var bytes: [PacketReadMessage.StoredFrame]? = firstBytes
        var written: UInt64 = 0
        while let last = page.last {
            var start = page.startIndex
            while start < page.endIndex {
                let chunk = page[start ..< min(start + GatewayRouter.framesPerRead, page.endIndex)]
                let frames: [PacketReadMessage.StoredFrame]
                if let read = bytes {
                    frames = read
                    bytes = nil
                } else {
                    frames = try await router.read(chunk.map(\.position))
                }
                for (entry, frame) in zip(chunk, frames) {
                    guard case .frame(let timestamp, let wireLength, let data) = frame else {
                        throw GatewayError.unreadableFrame(entry.frame, "\(frame)")
                    }
                    encoder.append(linkType: LinkType(rawValue: entry.linkType), timestamp: timestamp,
                                   wireLength: Int(wireLength), frame: data)
                }
                written += UInt64(chunk.count)
                try await write(encoder.take())
                start = chunk.endIndex
            }
            page = try await router.framePositions(target, after: last.cursor)
        }
        let rest = encoder.take()
        if !rest.isEmpty { try await write(rest) }
        return written
    }
}
