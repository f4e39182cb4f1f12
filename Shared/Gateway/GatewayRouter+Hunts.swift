import Hummingbird
import Model
import Wire

/// Hunts: saved queries search runs over newly stored flows (docs/QUERY.md, "Hunts").
extension GatewayRouter {
    static let maxHuntNameLength = 128
    /// Longest interval between runs: 30 days.
    static let maxHuntIntervalSeconds = 2_592_000

    func addHunt(_ request: Request) async throws -> Response {
        let asked: (query: String, target: QueryMessage.SearchRequest.Target, dataset: String?)
        switch Self.queryTarget(request) {
        case .success(let made): asked = made
        case .failure(let refused): return refused.response
        }
        let parameters = request.uri.queryParameters
        guard let name = parameters.get("name"), !name.isEmpty, name.count <= Self.maxHuntNameLength,
              !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            return Self.failure(.malformedRequest,
                                "name must be 1–\(Self.maxHuntNameLength) characters without control characters")
        }
        let interval: Int?
        switch Self.huntInterval(request) {
        case .success(let seconds): interval = seconds
        case .failure(let refused): return refused.response
        }
        let hunt = QueryMessage.HuntRequest(name: name, query: asked.query, target: asked.target, dataset: asked.dataset,
                                            intervalSeconds: interval)
        return try await answer(.addHunt(hunt)) { reply in
            switch reply {
            case .huntRefused(.query(let problem)): Self.refused(problem)
            case .huntRefused(.nameTaken(let name)): Self.failure(.malformedRequest, "a hunt named \(name) exists")
            case .hunt(let saved?): try Self.ok(HuntObject(saved))
            default: nil
            }
        }
    }

    func listHunts() async throws -> Response {
        try await answer(.listHunts) { reply in
            guard case .hunts(let list) = reply else { return nil }
            return try Self.ok(ListObject(items: list.map(HuntObject.init), lastID: list.last?.id ?? 0))
        }
    }

    /// GET, DELETE, run and PATCH: the hunt, or 404.
    func hunt(_ query: QueryMessage.Body, id: UInt64) async throws -> Response {
        try await answer(query) { reply in
            guard case .hunt(let hunt) = reply else { return nil }
            guard let hunt else { return Self.failure(.noPage, "no hunt \(id)") }
            return try Self.ok(HuntObject(hunt))
        }
    }

    func changeHunt(_ id: UInt64, _ request: Request) async throws -> Response {
        var change = QueryMessage.HuntChange()
        switch request.uri.queryParameters.get("enabled") {
        case nil: break
        case "true": change.enabled = true
        case "false": change.enabled = false
        default: return Self.failure(.malformedRequest, "enabled must be true or false")
        }
        switch Self.huntInterval(request) {
        case .success(let seconds): change.intervalSeconds = seconds
        case .failure(let refused): return refused.response
        }
        guard change != QueryMessage.HuntChange() else {
            return Self.failure(.malformedRequest, "give enabled=true|false, interval=DURATION or both")
        }
        return try await hunt(.updateHunt(id: id, change), id: id)
    }

    func huntMatches(_ id: UInt64, _ request: Request) async throws -> Response {
        guard let page = Self.page(request) else { return Self.badPage }
        return try await answer(.listHuntMatches(id: id, after: page.after, limit: page.limit)) { reply in
            guard case .huntMatches(let matches) = reply else { return nil }
            guard let matches else { return Self.failure(.noPage, "no hunt \(id)") }
            return try Self.ok(HuntMatchesObject(matches))
        }
    }

    /// `interval` in seconds (a duration: 90s, 15m, 1h, 1d), nil when absent.
    static func huntInterval(_ request: Request) -> Result<Int?, RefusedRequest> {
        guard let text = request.uri.queryParameters.get("interval") else { return .success(nil) }
        guard let nanoseconds = try? TimeWindow.duration(text),
              nanoseconds / 1_000_000_000 <= Int64(maxHuntIntervalSeconds) else {
            return .failure(RefusedRequest(Self.failure(
                .malformedRequest, "interval must be a duration such as 60s, 15m or 1h, at most 30d")))
        }
        return .success(Int(nanoseconds / 1_000_000_000))
    }
}
