import Formats
import Foundation
import Hummingbird
import Wire

/// What a search, a background search, an export or a hunt asks for, read
/// from the request's query: the query (`q`), what it returns (`as`), for
/// events the protocol (`dataset`), and for a search the window and page.
enum SearchParameters {
    static let maxQueryLength = 4_096

    struct Asked {
        var query: String
        var target: QueryMessage.SearchRequest.Target
        var dataset: String?
    }

    static func asked(_ request: Request) throws(APIError) -> Asked {
        guard let query = request.query("q"), !query.isEmpty, query.unicodeScalars.count <= maxQueryLength else {
            throw .malformed("q must be a query of 1–\(maxQueryLength) characters (docs/QUERY.md)")
        }
        let target: QueryMessage.SearchRequest.Target
        switch request.query("as") ?? "packets" {
        case "packets": target = .packets
        case "flows": target = .flows
        case "events": target = .events
        default: throw .malformed("as must be packets, flows or events")
        }
        let dataset = request.query("dataset")
        if target == .events, !(dataset.map(GatewayRouter.datasets.contains) ?? false) {
            throw .malformed("events searches need dataset: one of \(GatewayRouter.datasets.joined(separator: ", "))")
        }
        return Asked(query: query, target: target, dataset: dataset)
    }

    /// The search a request describes: what it asks, the window and the page.
    static func search(_ request: Request) throws(APIError) -> QueryMessage.SearchRequest {
        let asked = try asked(request)
        let page = try Page(request)
        guard let afterCapture = integer(request.query("after_capture"), default: Int64(0)), afterCapture >= 0 else {
            throw Page.refusal
        }
        let window: TimeWindow
        do {
            window = try TimeWindow.parse(last: request.query("last"), after: request.query("start"),
                                          before: request.query("end"), now: Int64(Date().timeIntervalSince1970 * 1e9))
        } catch {
            throw .malformed("time window: \(error)")
        }
        return QueryMessage.SearchRequest(query: asked.query, target: asked.target, afterCapture: UInt64(afterCapture),
                                          afterID: page.after, limit: page.limit, start: window.start, end: window.end,
                                          dataset: asked.dataset)
    }
}

extension APIError {
    /// A query that does not parse or type-check: 400 with where and why.
    static func badQuery(_ problem: QueryMessage.QueryProblem) -> APIError {
        .malformed("at \(problem.position): \(problem.message)" + (problem.hint.map { " (\($0))" } ?? ""))
    }
}

extension SearchBackend {
    /// `ask` with its query checked by search first (limit 0): a bad query
    /// is a 400 with its position, not a broken file.
    func checked(_ ask: QueryMessage.SearchRequest) async throws -> QueryMessage.SearchRequest {
        var ask = ask
        ask.limit = 0
        if let problem = try await reply(to: .search(.run(ask)), \.searchPage).problem { throw APIError.badQuery(problem) }
        return ask
    }
}
