import Hummingbird
import Wire

/// `/search`, `/search/syntax` and `/search/pcap`: queries in the language
/// of docs/QUERY.md, run while the request waits.
struct SearchRoutes {
    let search: any SearchBackend
    let frames: FrameReader
    let files: CaptureFiles
    let downloads: DownloadLimitMiddleware<BasicRequestContext>

    var collection: ResourceRoutes {
        let routes = ResourceRoutes()
        routes.get("search") { request, _ in
            let ask = try SearchParameters.search(request)
            let found = try await search.reply(to: .search(.run(ask)), \.searchPage)
            if let problem = found.problem { throw APIError.badQuery(problem) }
            return try await SearchResultPage(page: found, target: ask.target, after: ask.afterID,
                                              query: found.processed).answer(frames)
        }
        routes.get("search/syntax") { request, _ in
            guard let query = request.query("q"), !query.isEmpty,
                  query.unicodeScalars.count <= SearchParameters.maxQueryLength else {
                throw APIError.malformed("q must be a query of 1–\(SearchParameters.maxQueryLength) characters")
            }
            let checked = try await search.reply(
                to: .search(.run(QueryMessage.SearchRequest(query: query, target: .packets, limit: 0))), \.searchPage)
            return try Response.envelope(SearchSyntaxObject(page: checked))
        }
        // The pcap of a search's result: its packets, or every packet of the
        // flows (or events' flows) it found, in time order across captures.
        routes.group().add(middleware: downloads).get("search/pcap") { request, _ in
            let ask = try await search.checked(try SearchParameters.search(request))
            return try await files.download(.search(ask), name: "netsift-search", request: request)
        }
        return routes
    }
}

/// A page of a search's results as its target shapes it: SEARCHLIST of
/// packets with their bytes, FLOW items, or one protocol's events. A
/// background search's page also carries its SEARCHMETA.
struct SearchResultPage {
    var page: QueryMessage.SearchPage
    var target: QueryMessage.SearchRequest.Target
    var after: UInt64
    var query: String?
    var meta: QueryMessage.SearchMeta?
    var lastID: UInt64?

    func answer(_ frames: FrameReader) async throws -> Response {
        switch target {
        case .flows:
            return try Response.envelope(FlowSearchObject(page: page, search: meta))
        case .events:
            return Response.json(EventRoutes.list(page.events, after: after, query: query, search: meta, lastID: lastID))
        case .packets:
            let found = page.packets
            let objects = try await frames.packetObjects(found.map(\.packet))
            return try Response.envelope(SearchListObject(page: page, packets: Array(zip(found.map(\.captureID), objects)),
                                                          search: meta))
        }
    }
}
