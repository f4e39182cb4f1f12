import Events
import Foundation
import Hummingbird
import Wire

/// A capture's or a flow's application-layer events: the ECS documents
/// storage keeps, passed through as they come from search.
struct EventRoutes {
    let search: any SearchBackend

    var collection: ResourceRoutes {
        let routes = ResourceRoutes()
        routes.get("captures/:id/events") { request, context in
            try await events(.capture(try context.id(of: "capture")), request)
        }
        routes.get("flows/:id/events") { request, context in
            try await events(.flow(try context.id(of: "flow")), request)
        }
        return routes
    }

    func events(_ scope: QueryMessage.TrafficScope, _ request: Request) async throws -> Response {
        let page = try Page(request)
        let dataset = request.query("dataset")
        if let dataset, !GatewayRouter.datasets.contains(dataset) {
            throw APIError.malformed("dataset must be one of \(GatewayRouter.datasets.joined(separator: ", "))")
        }
        let missing = switch scope {
        case .capture(let id): "no capture \(id)"
        case .flow(let id): "no flow \(id)"
        }
        let events = try await search.object(.events(.list(scope, dataset: dataset, after: page.after, limit: page.limit)),
                                             \.events, missing: missing)
        return Response.json(Self.list(events, after: page.after))
    }

    /// The list object of `ListObject`'s shape around documents that are
    /// JSON already; a search's list also carries its processed `Query`.
    static func list(_ events: [QueryMessage.StoredEvent], after: UInt64, query: String? = nil,
                     search: QueryMessage.SearchMeta? = nil, lastID: UInt64? = nil) -> [UInt8] {
        var bytes = Array(#"{"ErrorCode":0,"DataType":3,"ReturnValue":{"Items":["#.utf8)
        for (index, event) in events.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes += event.document.utf8
        }
        bytes += #"],"LastId":\#(lastID ?? events.last?.id ?? after),"#.utf8
        if let search {
            bytes += #""SearchId":\#(search.id),"Status":\#(SearchMetaObject.code(search.status)),"Total":\#(search.found),"#.utf8
        }
        if let query, let text = try? JSONEncoder().encode(query) { bytes += #""Query":"#.utf8 + text + [UInt8(ascii: ",")] }
        bytes += #""Returned":\#(events.count),"Version":1}}"#.utf8
        return bytes
    }
}
