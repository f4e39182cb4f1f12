import Hummingbird

/// A capture's packets: PACKETSTREAM, rows from search and bytes from storage.
struct PacketRoutes {
    let search: any SearchBackend
    let frames: FrameReader

    var collection: ResourceRoutes {
        let routes = ResourceRoutes()
        routes.get("captures/:id/packets") { request, context in
            let id = try context.id(of: "capture")
            let page = try Page(request)
            let found = try await search.object(.packets(.list(captureID: id, after: page.after, limit: page.limit)),
                                                \.packets, missing: "no capture \(id)")
            return try Response.envelope(PacketStreamObject(captureID: id, page: found,
                                                            packets: try await frames.packetObjects(found.packets)))
        }
        return routes
    }
}
