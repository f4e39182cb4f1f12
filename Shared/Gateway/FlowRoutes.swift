import Hummingbird
import Wire

/// Flows: all or by Community ID, a capture's, one FLOW, and a flow's
/// frames as a capture file.
struct FlowRoutes {
    let search: any SearchBackend
    let files: CaptureFiles
    let downloads: DownloadLimitMiddleware<BasicRequestContext>

    var collection: ResourceRoutes {
        let routes = ResourceRoutes()
        routes.get("flows") { request, _ in
            let page = try Page(request)
            let communityID = try Self.communityID(request)
            return try await flows(.flows(.find(communityID: communityID, after: page.after, limit: page.limit)),
                                   after: page.after, missing: "")
        }
        routes.get("captures/:id/flows") { request, context in
            let id = try context.id(of: "capture")
            let page = try Page(request)
            return try await flows(.flows(.list(captureID: id, after: page.after, limit: page.limit)), after: page.after,
                                   missing: "no capture \(id)")
        }
        routes.get("flows/:id") { _, context in
            let id = try context.id(of: "flow")
            return try Response.envelope(FlowObject(try await search.object(.flows(.get(id: id)), \.flow,
                                                                            missing: "no flow \(id)")))
        }
        routes.group().add(middleware: downloads).get("flows/:id/pcap") { request, context in
            let id = try context.id(of: "flow")
            return try await files.download(.scope(.flow(id)), name: "netsift-flow-\(id)", request: request)
        }
        return routes
    }

    func flows(_ query: QueryMessage.Request, after: UInt64, missing: String) async throws -> Response {
        let flows = try await search.object(query, \.flows, missing: missing)
        return try Response.envelope(ListObject(items: flows.map(FlowObject.init), lastID: flows.last?.id ?? after))
    }

    /// `community_id`, nil when absent.
    static func communityID(_ request: Request) throws(APIError) -> String? {
        guard let text = request.query("community_id") else { return nil }
        guard !text.isEmpty, text.utf8.count <= 128 else {
            throw .malformed("community_id must be a Community ID such as 1:LQU9qZlK+B5F3KDmev6m5PMibrg=")
        }
        return text
    }
}
