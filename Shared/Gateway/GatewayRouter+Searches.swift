import Auth
import Hummingbird
import Wire

/// Background searches: start (POST), status, results, cancel or delete (DELETE).
extension GatewayRouter {
    func startSearch(_ request: Request) async throws -> Response {
        var ask: QueryMessage.SearchRequest
        switch Self.searchRequest(request) {
        case .success(let made): ask = made
        case .failure(let refused): return refused.response
        }
        ask.owner = Credentials.key(fromAuthorization: request.headers[.authorization])?.hashHex
        return try await answer(.startSearch(ask)) { reply in
            switch reply {
            case .searchPage(let checked): checked.problem.map(Self.refused)
            case .searchesBusy(let active, let limit):
                Self.busy(status: 429, "this API key has \(active) background searches queued or running, "
                              + "at most \(limit) (searches_per_key): wait for one, or delete one",
                          retryAfterSeconds: Self.searchesRetryAfterSeconds)
            case .searchMeta(let meta?): try Self.ok(SearchMetaObject(meta))
            default: nil
            }
        }
    }

    func searchMeta(_ query: QueryMessage.Body, id: UInt64) async throws -> Response {
        try await answer(query) { reply in
            guard case .searchMeta(let meta) = reply else { return nil }
            guard let meta else { return Self.failure(.noPage, "no search \(id)") }
            return try Self.ok(SearchMetaObject(meta))
        }
    }

    func searchResults(_ id: UInt64, _ request: Request) async throws -> Response {
        guard let page = Self.page(request) else { return Self.badPage }
        let reply: QueryMessage.Body
        do {
            reply = try await search.ask(.listSearchResults(id: id, after: page.after, limit: page.limit))
        } catch {
            return Self.failure(.genericError, "\(error)")
        }
        guard case .searchResults(let results) = reply else { return Self.unexpected(reply) }
        guard let results else { return Self.failure(.noPage, "no search \(id)") }
        let meta = results.meta
        switch meta.target {
        case .flows:
            return try Self.ok(FlowSearchObject(page: results.page, search: meta))
        case .events:
            return Self.json(Self.eventList(results.page.events, after: page.after, query: meta.query, search: meta,
                                            lastID: results.page.lastID), status: 200)
        case .packets:
            let found = results.page.packets
            let objects: [PacketObject]
            do {
                objects = try await packetObjects(found.map(\.packet))
            } catch {
                return Self.failure(.genericError, "cannot read frames from storage: \(error)")
            }
            return try Self.ok(SearchListObject(page: results.page, packets: Array(zip(found.map(\.captureID), objects)),
                                                search: meta))
        }
    }
}
