import Events
import Foundation
import Hummingbird
import Wire

/// A capture's or a flow's application-layer events: the ECS documents
/// storage keeps, passed through as they come from search.
extension GatewayRouter {
    static let datasets = Dataset.all.map(\.name)

    func events(_ scope: QueryMessage.TrafficScope, _ request: Request) async throws -> Response {
        guard let page = Self.page(request) else { return Self.badPage }
        let dataset = request.uri.queryParameters.get("dataset").map { String($0) }
        if let dataset, !Self.datasets.contains(dataset) {
            return Self.failure(.malformedRequest, "dataset must be one of \(Self.datasets.joined(separator: ", "))")
        }
        let missing: String = switch scope {
        case .capture(let id): "no capture \(id)"
        case .flow(let id): "no flow \(id)"
        }
        return try await answer(.listEvents(scope, dataset: dataset, after: page.after, limit: page.limit)) { reply in
            guard case .events(let list) = reply else { return nil }
            guard let list else { return Self.failure(.noPage, missing) }
            return Self.json(Self.eventList(list, after: page.after), status: 200)
        }
    }

    /// The list object of `ListObject`'s shape around documents that are
    /// JSON already; a search's list also carries its processed `Query`.
    static func eventList(_ events: [QueryMessage.StoredEvent], after: UInt64, query: String? = nil,
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
