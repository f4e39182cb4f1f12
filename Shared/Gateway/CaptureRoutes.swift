import Hummingbird

/// Captures: the list, one CAPTURE, its CAPTUREMETA and counts, and its
/// frames as a capture file.
struct CaptureRoutes {
    let search: any SearchBackend
    let files: CaptureFiles
    let downloads: DownloadLimitMiddleware<BasicRequestContext>

    var collection: ResourceRoutes {
        let routes = ResourceRoutes()
        routes.get("captures") { request, _ in
            let page = try Page(request)
            let captures = try await search.reply(to: .captures(.list(after: page.after, limit: page.limit)), \.captures)
            return try Response.envelope(ListObject(items: captures.map(CaptureObject.init),
                                                    lastID: captures.last?.id ?? page.after))
        }
        routes.get("captures/:id") { _, context in
            let id = try context.id(of: "capture")
            return try Response.envelope(CaptureObject(
                try await search.object(.captures(.get(id: id)), \.capture, missing: "no capture \(id)")))
        }
        routes.get("captures/:id/meta") { _, context in
            let id = try context.id(of: "capture")
            return try Response.envelope(CaptureMetaObject(
                try await search.object(.captures(.getMeta(id: id)), \.captureMeta, missing: "no capture \(id)")))
        }
        routes.get("captures/:id/stats") { _, context in
            let id = try context.id(of: "capture")
            return try Response.envelope(StatsCaptureQueryObject(
                try await search.object(.captures(.getStats(id: id)), \.captureStats, missing: "no capture \(id)")))
        }
        routes.group().add(middleware: downloads).get("captures/:id/pcap") { request, context in
            let id = try context.id(of: "capture")
            return try await files.download(.scope(.capture(id)), name: "netsift-capture-\(id)", request: request)
        }
        return routes
    }
}
