import Auth
import Hummingbird
import Wire

/// Background searches: start (POST), status, results, and cancel or
/// delete (DELETE). Each belongs to the key that started it.
struct SearchesRoutes {
    /// `Retry-After` when a key has its most searches queued or running: a
    /// search takes seconds to minutes.
    static let retryAfterSeconds = 30

    let search: any SearchBackend
    let frames: FrameReader

    var collection: ResourceRoutes {
        let routes = ResourceRoutes()
        routes.post("searches") { request, _ in
            var ask = try SearchParameters.search(request)
            ask.owner = Credentials.key(fromAuthorization: request.headers[.authorization])?.hashHex
            return try await start(ask)
        }
        routes.get("searches/:id") { _, context in try await meta(context) { .searches(.get(id: $0)) } }
        routes.delete("searches/:id") { _, context in try await meta(context) { .searches(.cancel(id: $0)) } }
        routes.get("searches/:id/results") { request, context in
            let id = try context.id(of: "search")
            let page = try Page(request)
            let results = try await search.object(.searches(.listResults(id: id, after: page.after, limit: page.limit)),
                                                  \.searchResults, missing: "no search \(id)")
            return try await SearchResultPage(page: results.page, target: results.meta.target, after: page.after,
                                              query: results.meta.query, meta: results.meta,
                                              lastID: results.page.lastID).answer(frames)
        }
        return routes
    }

    func start(_ ask: QueryMessage.SearchRequest) async throws -> Response {
        let reply = try await search.reply(to: .searches(.start(ask))) { $0 }
        switch reply {
        case .searches(.meta(let meta?)):
            return try Response.envelope(SearchMetaObject(meta))
        case .search(.page(let checked)):
            if let problem = checked.problem { throw APIError.badQuery(problem) }
        case .searches(.busy(let active, let limit)):
            throw APIError.busy(.tooManyRequests, "this API key has \(active) background searches queued or running, "
                                    + "at most \(limit) (searches_per_key): wait for one, or delete one",
                                retryAfterSeconds: Self.retryAfterSeconds)
        default:
            break
        }
        throw APIError.unexpected(reply)
    }

    /// GET and DELETE: `query` about the search the path names, answered with its SEARCHMETA or 404.
    func meta(_ context: some RequestContext, _ query: (UInt64) -> QueryMessage.Request) async throws -> Response {
        let id = try context.id(of: "search")
        return try Response.envelope(SearchMetaObject(try await search.object(query(id), \.searchMeta,
                                                                               missing: "no search \(id)")))
    }
}
