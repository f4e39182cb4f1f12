import Auth
import Formats
import Foundation
@testable import Gateway
import Hummingbird
import Testing
import Wire

/// The role table: every route the router serves has a rule, and anything
/// without one is refused.
@Suite struct RouteAccessTests {
    /// The routes `buildRouter` registers, as (method, Hummingbird's pattern).
    static func registeredRoutes() -> [(method: String, path: String)] {
        FakeBackends { _ in .failed(message: "not asked") }.router().routes
            .map { ($0.method.rawValue, $0.path.description) }
    }

    @Test func everyRegisteredRouteHasARule() {
        let registered = Self.registeredRoutes()
        #expect(registered.count >= 30)
        let access = RouteAccess()
        for route in registered {
            #expect(access.route(method: route.method, path: route.path) != nil,
                    "\(route.method) \(route.path) has no rule in GatewayRouter.routes")
        }
        let served = Set(registered.map { "\($0.method) \($0.path)" })
        let described = GatewayRouter.routes.map { "\($0.method) \($0.path)" }
        #expect(Set(described).subtracting(served).isEmpty, "every route the table describes is served")
        #expect(Set(described).count == described.count, "one rule per route")
    }

    @Test func denyByDefault() {
        let access = RouteAccess()
        for role in APIRole.allCases {
            #expect(!access.admits(role, method: "GET", path: "/api/v1/not-a-route"))
            #expect(!access.admits(role, method: "PUT", path: "/api/v1/hunts/{id}"), "a method without a rule")
            #expect(!access.admits(role, method: "GET", path: nil), "no matched route")
            #expect(!RouteAccess(routes: []).admits(role, method: "GET", path: "/api/v1/info"))
        }
        #expect(access.route(method: "HEAD", path: "/api/v1/captures/{id}/pcap")?.access == .readers, "HEAD reads as GET")
        #expect(access.route(method: "HEAD", path: "/api/v1/captures/{id}/pcap")?.isAudited == false, "but reads no bytes")
    }

    /// viewer: every GET but health; analyst: everything; sensor: `/info`.
    @Test func whatEachRoleMayCall() {
        let access = RouteAccess()
        for route in GatewayRouter.routes where route.authenticated {
            let allowed = APIRole.allCases.filter { access.admits($0, method: route.method, path: route.path) }
            let expected: [APIRole] = switch (route.method, route.path) {
            case ("GET", "/api/v1/info"): [.admin, .analyst, .viewer, .sensor]
            case ("GET", _): [.admin, .analyst, .viewer]
            default: [.admin, .analyst]
            }
            #expect(allowed == expected, "\(route.method) \(route.path)")
        }
    }

    @Test func changesAndPacketBytesAreAudited() {
        let audited = Set(GatewayRouter.routes.filter(\.isAudited).map { "\($0.method) \($0.path)" })
        #expect(audited == [
            "GET /api/v1/captures/{id}/packets", "GET /api/v1/captures/{id}/pcap", "GET /api/v1/flows/{id}/pcap",
            "GET /api/v1/search", "GET /api/v1/search/pcap", "GET /api/v1/searches/{id}/results",
            "GET /api/v1/exports/{name}", "POST /api/v1/searches", "DELETE /api/v1/searches/{id}",
            "POST /api/v1/exports", "DELETE /api/v1/exports/{name}", "POST /api/v1/hunts", "PATCH /api/v1/hunts/{id}",
            "DELETE /api/v1/hunts/{id}", "POST /api/v1/hunts/{id}/run",
        ])
    }
}
