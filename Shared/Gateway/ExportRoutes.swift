import Hummingbird
import Wire
import _NIOFileSystem

/// Exports: a search's result written whole to the exports directory
/// (EXPORTFILE), listed, downloaded and removed.
struct ExportRoutes {
    let search: any SearchBackend
    let files: CaptureFiles
    let exports: ExportDirectory
    let downloads: DownloadLimitMiddleware<BasicRequestContext>

    var collection: ResourceRoutes {
        let routes = ResourceRoutes()
        routes.post("exports") { request, _ in
            try await write(try await search.checked(try SearchParameters.search(request)))
        }
        routes.get("exports") { _, _ in
            let listed = exports.files()
            return try Response.envelope(ListObject(items: listed.map { ExportFileObject($0, in: exports) },
                                                    lastID: UInt64(listed.count)))
        }
        routes.group().add(middleware: downloads).get("exports/:name") { request, context in
            try await download(try file(context), request: request, context: context)
        }
        routes.delete("exports/:name") { _, context in
            let file = try file(context)
            do {
                try exports.remove(file)
            } catch {
                throw APIError.internalError("cannot remove \(file.name): \(error)")
            }
            return try Response.envelope(ExportFileObject(file, in: exports))
        }
        return routes
    }

    func file(_ context: some RequestContext) throws(APIError) -> ExportDirectory.File {
        guard let name = context.parameters.get("name"), let file = exports.file(named: name) else {
            throw .notFound("no such export")
        }
        return file
    }

    /// The search's result written under a temporary name, renamed when
    /// complete: its EXPORTFILE.
    func write(_ ask: QueryMessage.SearchRequest) async throws -> Response {
        guard exports.hasRoom(for: 0) else { throw APIError.internalError("\(ExportDirectory.Full(exports))") }
        let source = try await files.source(.search(ask))
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
            throw APIError.internalError("\(full)")
        } catch {
            _ = try? await FileSystem.shared.removeItem(at: partial)
            throw APIError.internalError("cannot write the export: \(error)")
        }
        guard let file = exports.file(named: name) else {
            throw APIError.internalError("the export \(name) vanished as it was written")
        }
        return try Response.envelope(ExportFileObject(file, in: exports, packets: written))
    }

    /// An export's bytes, whole or the range asked for.
    func download(_ file: ExportDirectory.File, request: Request, context: some RequestContext) async throws -> Response {
        let path = exports.path(for: file.name)
        return try await CaptureFiles.fileAnswer(request, size: UInt64(clamping: file.bytes), headers: [
            .contentType: file.isPcapng ? "application/x-pcapng" : "application/vnd.tcpdump.pcap",
            .contentDisposition: "attachment; filename=\"\(file.name)\"",
        ]) { range, _ in
            guard let range else { return try await FileIO().loadFile(path: path, context: context) }
            return try await FileIO().loadFile(path: path, range: Int(range.lowerBound) ... Int(range.upperBound),
                                               context: context)
        }
    }
}
