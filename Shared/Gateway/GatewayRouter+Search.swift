import Foundation
import Hummingbird
import Model
import Wire

/// `/search`, `/search/pcap` and `/search/syntax`: queries in the language of docs/QUERY.md.
extension GatewayRouter {
    static let maxQueryLength = 4_096

    /// What a request asks for: the query (`q`), what it returns (`as`) and,
    /// for events, the protocol (`dataset`); or the answer refusing them.
    static func queryTarget(_ request: Request)
        -> Result<(query: String, target: QueryMessage.SearchRequest.Target, dataset: String?), RefusedRequest> {
        let parameters = request.uri.queryParameters
        guard let query = parameters.get("q"), !query.isEmpty, query.unicodeScalars.count <= Self.maxQueryLength else {
            return .failure(RefusedRequest(Self.failure(.malformedRequest,
                                                        "q must be a query of 1–\(Self.maxQueryLength) characters (docs/QUERY.md)")))
        }
        let target: QueryMessage.SearchRequest.Target
        switch parameters.get("as") ?? "packets" {
        case "packets": target = .packets
        case "flows": target = .flows
        case "events": target = .events
        default: return .failure(RefusedRequest(Self.failure(.malformedRequest, "as must be packets, flows or events")))
        }
        let dataset = parameters.get("dataset").map { String($0) }
        if target == .events, !(dataset.map(Self.datasets.contains) ?? false) {
            return .failure(RefusedRequest(Self.failure(
                .malformedRequest, "events searches need dataset: one of \(Self.datasets.joined(separator: ", "))")))
        }
        return .success((String(query), target, dataset))
    }

    /// The search a request describes (`q`, `as`, `dataset`, the window and the page), or the answer refusing it.
    static func searchRequest(_ request: Request) -> Result<QueryMessage.SearchRequest, RefusedRequest> {
        let asked: (query: String, target: QueryMessage.SearchRequest.Target, dataset: String?)
        switch queryTarget(request) {
        case .success(let made): asked = made
        case .failure(let refused): return .failure(refused)
        }
        let parameters = request.uri.queryParameters
        guard let page = Self.page(request),
              let afterCapture = Self.parameter(parameters.get("after_capture"), default: Int64(0)), afterCapture >= 0 else {
            return .failure(RefusedRequest(Self.badPage))
        }
        let window: TimeWindow
        do {
            window = try TimeWindow.parse(last: parameters.get("last").map { String($0) },
                                          after: parameters.get("start").map { String($0) },
                                          before: parameters.get("end").map { String($0) },
                                          now: Int64(Date().timeIntervalSince1970 * 1e9))
        } catch {
            return .failure(RefusedRequest(Self.failure(.malformedRequest, "time window: \(error)")))
        }
        return .success(QueryMessage.SearchRequest(query: asked.query, target: asked.target, afterCapture: UInt64(afterCapture),
                                                   afterID: page.after, limit: page.limit, start: window.start,
                                                   end: window.end, dataset: asked.dataset))
    }

    func search(_ request: Request) async throws -> Response {
        let ask: QueryMessage.SearchRequest
        switch Self.searchRequest(request) {
        case .success(let made): ask = made
        case .failure(let refused): return refused.response
        }
        let reply: QueryMessage.Body
        do {
            reply = try await search.ask(.search(ask))
        } catch {
            return Self.failure(.genericError, "\(error)")
        }
        guard case .searchPage(let result) = reply else { return Self.unexpected(reply) }
        if let problem = result.problem { return Self.refused(problem) }
        switch ask.target {
        case .flows:
            return try Self.ok(FlowSearchObject(page: result))
        case .events:
            return Self.json(Self.eventList(result.events, after: ask.afterID, query: result.processed), status: 200)
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

    /// The pcap of a search's result: its packets, or every packet of the
    /// flows (or events' flows) it found, in time order across captures.
    func searchDownload(_ request: Request) async throws -> Response {
        switch try await checkedSearch(request) {
        case .success(let ask): try await download(.search(ask), name: "netsift-search", request: request)
        case .failure(let refused): refused.response
        }
    }

    /// The search a request describes, its query checked by search first: a
    /// bad query is a 400 with its position, not a broken file.
    func checkedSearch(_ request: Request) async throws -> Result<QueryMessage.SearchRequest, RefusedRequest> {
        var ask: QueryMessage.SearchRequest
        switch Self.searchRequest(request) {
        case .success(let made): ask = made
        case .failure(let refused): return .failure(refused)
        }
        ask.limit = 0
        let reply: QueryMessage.Body
        do {
            reply = try await search.ask(.search(ask))
        } catch {
            return .failure(RefusedRequest(Self.failure(.genericError, "\(error)")))
        }
        guard case .searchPage(let checked) = reply else { return .failure(RefusedRequest(Self.unexpected(reply))) }
        if let problem = checked.problem { return .failure(RefusedRequest(Self.refused(problem))) }
        return .success(ask)
    }

    static func refused(_ problem: QueryMessage.QueryProblem) -> Response {
        failure(.malformedRequest, "at \(problem.position): \(problem.message)" + (problem.hint.map { " (\($0))" } ?? ""))
    }

    func syntax(_ request: Request) async throws -> Response {
        guard let query = request.uri.queryParameters.get("q"), !query.isEmpty, query.unicodeScalars.count <= Self.maxQueryLength else {
            return Self.failure(.malformedRequest, "q must be a query of 1–\(Self.maxQueryLength) characters")
        }
        return try await answer(.search(QueryMessage.SearchRequest(query: query, target: .packets, limit: 0))) { reply in
            guard case .searchPage(let result) = reply else { return nil }
            return try Self.ok(SearchSyntaxObject(page: result))
        }
    }
}

/// A request refused before it reaches search: the error answer to send.
struct RefusedRequest: Error {
    let response: Response

    init(_ response: Response) {
        self.response = response
    }
}
