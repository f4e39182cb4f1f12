import Formats
import Hummingbird
import Wire

/// Hunts: saved queries search runs over newly stored flows (docs/QUERY.md, "Hunts").
struct HuntRoutes {
    static let maxNameLength = 128
    /// Longest interval between runs: 30 days.
    static let maxIntervalSeconds = 2_592_000

    let search: any SearchBackend

    var collection: ResourceRoutes {
        let routes = ResourceRoutes()
        routes.post("hunts") { request, _ in try await add(request) }
        routes.get("hunts") { _, _ in
            let hunts = try await search.reply(to: .hunts(.list), \.hunts)
            return try Response.envelope(ListObject(items: hunts.map(HuntObject.init), lastID: hunts.last?.id ?? 0))
        }
        routes.get("hunts/:id") { _, context in try await hunt(context) { .hunts(.get(id: $0)) } }
        routes.patch("hunts/:id") { request, context in
            try await hunt(context) { .hunts(.update(id: $0, try Self.change(request))) }
        }
        routes.delete("hunts/:id") { _, context in try await hunt(context) { .hunts(.delete(id: $0)) } }
        routes.post("hunts/:id/run") { _, context in try await hunt(context) { .hunts(.run(id: $0)) } }
        routes.get("hunts/:id/matches") { request, context in
            let id = try context.id(of: "hunt")
            let page = try Page(request)
            let matches = try await search.object(.hunts(.listMatches(id: id, after: page.after, limit: page.limit)),
                                                  \.huntMatches, missing: "no hunt \(id)")
            return try Response.envelope(HuntMatchesObject(matches))
        }
        return routes
    }

    func add(_ request: Request) async throws -> Response {
        let asked = try SearchParameters.asked(request)
        let hunt = QueryMessage.HuntRequest(name: try Self.name(request), query: asked.query, target: asked.target,
                                            dataset: asked.dataset, intervalSeconds: try Self.interval(request))
        let reply = try await search.reply(to: .hunts(.add(hunt))) { $0 }
        switch reply {
        case .hunts(.refused(.query(let problem))): throw APIError.badQuery(problem)
        case .hunts(.refused(.nameTaken(let name))): throw APIError.malformed("a hunt named \(name) exists")
        case .hunts(.hunt(let saved?)): return try Response.envelope(HuntObject(saved))
        default: throw APIError.unexpected(reply)
        }
    }

    /// GET, PATCH, DELETE and run: `query` about the hunt the path names, answered with the hunt or 404.
    func hunt(_ context: some RequestContext, _ query: (UInt64) throws -> QueryMessage.Request) async throws -> Response {
        let id = try context.id(of: "hunt")
        return try Response.envelope(HuntObject(try await search.object(try query(id), \.hunt, missing: "no hunt \(id)")))
    }

    static func name(_ request: Request) throws(APIError) -> String {
        guard let name = request.query("name"), !name.isEmpty, name.count <= maxNameLength,
              !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .malformed("name must be 1–\(maxNameLength) characters without control characters")
        }
        return name
    }

    /// What a PATCH changes: `enabled`, `interval` or both.
    static func change(_ request: Request) throws(APIError) -> QueryMessage.HuntChange {
        var change = QueryMessage.HuntChange()
        switch request.query("enabled") {
        case nil: break
        case "true": change.enabled = true
        case "false": change.enabled = false
        default: throw .malformed("enabled must be true or false")
        }
        change.intervalSeconds = try interval(request)
        guard change != QueryMessage.HuntChange() else {
            throw .malformed("give enabled=true|false, interval=DURATION or both")
        }
        return change
    }

    /// `interval` in seconds (a duration: 90s, 15m, 1h, 1d), nil when absent.
    static func interval(_ request: Request) throws(APIError) -> Int? {
        guard let text = request.query("interval") else { return nil }
        guard let nanoseconds = try? TimeWindow.duration(text), nanoseconds / 1_000_000_000 <= Int64(maxIntervalSeconds) else {
            throw .malformed("interval must be a duration such as 60s, 15m or 1h, at most 30d")
        }
        return Int(nanoseconds / 1_000_000_000)
    }
}
