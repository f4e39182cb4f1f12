import Auth
import Formats

/// Which roles may call each route: the `access` of `GatewayRouter.routes`,
/// looked up by method and Hummingbird's route pattern (its
/// `endpointPath`, e.g. `/api/v1/captures/{id}`). Deny by default: a route
/// the table does not name admits no role, so a route added to the router
/// without a rule is refused until it has one.
public struct RouteAccess: Sendable, CustomStringConvertible {
    struct Key: Hashable {
        var method: String
        var path: String
    }

    private let routes: [Key: APIRoute]

    /// The first route of a (method, path) counts; `GatewayRouter.routes` has no duplicates (tested).
    public init(routes: [APIRoute] = GatewayRouter.routes) {
        self.routes = Dictionary(routes.map { (Key(method: $0.method, path: $0.path), $0) }) { first, _ in first }
    }

    /// The route of `method path`, nil when the table has none. HEAD
    /// without a route of its own has GET's rule: the same read without the body.
    public func route(method: String, path: String) -> APIRoute? {
        if let route = routes[Key(method: method, path: path)] { return route }
        guard method == "HEAD", var route = routes[Key(method: "GET", path: path)] else { return nil }
        route.method = method
        return route
    }

    public var description: String { "RouteAccess(\(routes.count) routes)" }

    public func admits(_ role: APIRole, method: String, path: String?) -> Bool {
        guard let path, let route = route(method: method, path: path) else { return false }
        return route.access.roles.contains(role)
    }
}
