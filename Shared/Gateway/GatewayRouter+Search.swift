import Foundation
import Hummingbird
import Messaging
import Query

/// `/search` and `/search/syntax`: queries in the language of docs/QUERY.md.
extension GatewayRouter {
    static let maxQueryLength = 4_096

    func search(_ request: Request) async throws -> Response {
        let parameters = request.uri.queryParameters
        guard let query = parameters.get("q"), !query.isEmpty, query.count <= Self.maxQueryLength else {
            return Self.failure(.malformedRequest, "q must be a query of 1–\(Self.maxQueryLength) characters (docs/QUERY.md)")
        }
        guard let page = Self.page(request),
              let afterCapture = Self.parameter(parameters.get("after_capture"), default: Int64(0)), afterCapture >= 0 else {
            return Self.badPage
        }
        let window: TimeWindow
        do {
            window = try TimeWindow.parse(last: parameters.get("last").map { String($0) },
                                          after: parameters.get("start").map { String($0) },
                                          before: parameters.get("end").map { String($0) },
                                          now: Int64(Date().timeIntervalSince1970 * 1e9))
        } catch {
            return Self.failure(.malformedRequest, "time window: \(error)")
        }
        let target: QueryMessage.SearchRequest.Target
        switch parameters.get("as") ?? "packets" {
        case "packets": target = .packets
        case "flows": target = .flows
        case "events": target = .events
        default: return Self.failure(.malformedRequest, "as must be packets, flows or events")
        }
        let dataset = parameters.get("dataset").map { String($0) }
        if target == .events, !(dataset.map(Self.datasets.contains) ?? false) {
            return Self.failure(.malformedRequest, "events searches need dataset: one of \(Self.datasets.joined(separator: ", "))")
        }
        let ask = QueryMessage.SearchRequest(query: query, target: target, afterCapture: UInt64(afterCapture),
                                             afterID: page.after, limit: page.limit, start: window.start, end: window.end,
                                             dataset: dataset)
        let reply: QueryMessage.Body
        do {
            reply = try await search.ask(.search(ask))
        } catch {
            return Self.failure(.genericError, "\(error)")
        }
        guard case .searchPage(let result) = reply else { return Self.unexpected(reply) }
        if let problem = result.problem {
            return Self.failure(.malformedRequest,
                                "at \(problem.position): \(problem.message)" + (problem.hint.map { " (\($0))" } ?? ""))
        }
        switch target {
        case .flows:
            return try Self.ok(FlowSearchObject(page: result))
        case .events:
            return Self.json(Self.eventList(result.events, after: page.after, query: result.processed), status: 200)
        case .packets:
            let objects: [PacketObject]
            do {
                objects = try await packetObjects(result.packets.map(\.packet))
            } catch {
                return Self.failure(.genericError, "cannot read frames from storage: \(error)")
            }
            return try Self.ok(SearchListObject(page: result, packets: Array(zip(result.packets.map(\.captureID), objects))))
        }
    }

    func syntax(_ request: Request) async throws -> Response {
        guard let query = request.uri.queryParameters.get("q"), !query.isEmpty, query.count <= Self.maxQueryLength else {
            return Self.failure(.malformedRequest, "q must be a query of 1–\(Self.maxQueryLength) characters")
        }
        return try await answer(.search(QueryMessage.SearchRequest(query: query, target: .packets, limit: 0))) { reply in
            guard case .searchPage(let result) = reply else { return nil }
            return try Self.ok(SearchSyntaxObject(page: result))
        }
    }
}
