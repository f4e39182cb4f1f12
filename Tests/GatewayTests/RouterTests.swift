import Auth
import Formats
import Foundation
@testable import Gateway
import Hummingbird
import HummingbirdTesting
import Logging
import Messaging
import Testing
import Wire

/// Every route of the real router, through HummingbirdTesting (no port),
/// with search and storage faked by closures (`FakeInstallation`): its
/// success answer, and its answers to a bad id, a bad page, a missing
/// object, a failing search or storage, a role it does not admit and no key.
@Suite struct RouterTests {
    /// The table's routes, deletions last: they remove what others read.
    static let routes = GatewayRouter.routes.filter { $0.method != "DELETE" } + GatewayRouter.routes.filter { $0.method == "DELETE" }
    static let authenticated = routes.filter(\.authenticated)
    /// The resource an id names, by the path's first segment.
    static let resources = ["captures": "capture", "flows": "flow", "searches": "search", "hunts": "hunt"]

    /// `route` with `id` and `name` in its path and what it requires in its query.
    static func uri(_ route: APIRoute, id: String = "1", name: String = FakeInstallation.exportName,
                    query extra: [String] = []) -> String {
        let path = route.path.replacingOccurrences(of: "{id}", with: id).replacingOccurrences(of: "{name}", with: name)
        var query: [String] = []
        if route.query.contains(where: { $0.kind == .query || $0.kind == .queryText }) { query.append("q=tcp") }
        if route.query.contains(where: { $0.kind == .name }) { query.append("name=dga") }
        if route.method == "PATCH" { query.append("enabled=false") }
        query += extra
        return query.isEmpty ? path : path + "?" + query.joined(separator: "&")
    }

    static func call(_ client: some TestClientProtocol, _ method: String, _ uri: String,
                     key: String? = FakeBackends.key) async throws -> TestResponse {
        let method = try #require(HTTPRequest.Method(method))
        return try await client.execute(uri: uri, method: method,
                                        headers: key.map { [.authorization: "Token \($0)"] } ?? [:])
    }

    static func label(_ route: APIRoute) -> String { "\(route.method) \(route.path)" }

    static func resource(_ route: APIRoute) -> String {
        resources[route.path.split(separator: "/").dropFirst(2).first.map(String.init) ?? ""] ?? "?"
    }

    /// An error answer: its status, and exactly the envelope of `code` and `message`.
    static func expectError(_ response: TestResponse, _ status: HTTPResponse.Status, _ code: APIResponse.ErrorCode,
                            _ message: String, _ label: String) {
        #expect(response.status == status, "\(label): \(String(buffer: response.body))")
        #expect(String(buffer: response.body) == String(decoding: APIResponse.error(code, message), as: UTF8.self), "\(label)")
        #expect(response.headers[.contentType] == "application/json", "\(label)")
    }

    /// The generic 5xx: the request's id, never the detail.
    static func expectInternal(_ response: TestResponse, _ label: String) {
        let id = response.headers[.requestID] ?? "none"
        expectError(response, .internalServerError, .genericError, "internal error; request id \(id)", label)
    }

    static func schemas() throws -> [String: [String: Any]] {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.bytes)) as? [String: Any])
        return try #require((document["components"] as? [String: Any])?["schemas"] as? [String: [String: Any]])
    }

    /// `object` has the schema's required fields and, unless it admits more, no others.
    static func expect(_ object: [String: Any], matches schema: [String: Any]?, _ label: String) {
        let properties = Set((schema?["properties"] as? [String: Any] ?? [:]).keys)
        let required = Set(schema?["required"] as? [String] ?? [])
        #expect(!properties.isEmpty && required.isSubset(of: object.keys), "\(label): \(object.keys.sorted())")
        if schema?["additionalProperties"] as? Bool != true {
            #expect(Set(object.keys).isSubset(of: properties), "\(label): \(object.keys.sorted())")
        }
    }

    @Test func everyRouteAnswersAsItsSchemaSays() async throws {
        try await FakeInstallation.backends().test { client in
            let schemas = try Self.schemas()
            for route in Self.routes {
                let label = Self.label(route)
                let response = try await Self.call(client, route.method, Self.uri(route))
                #expect(response.status == .ok, "\(label): \(String(buffer: response.body))")
                let json = try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                let value = json?["ReturnValue"] as? [String: Any] ?? [:]
                switch route.answer {
                case .object(let name):
                    #expect(json?["ErrorCode"] as? Int == 0 && json?["DataType"] as? Int == 3, "\(label)")
                    Self.expect(value, matches: schemas[name], label)
                case .list(let name):
                    #expect(Set(value.keys) == ["Items", "LastId", "Returned", "Version"], "\(label)")
                    let items = value["Items"] as? [[String: Any]] ?? []
                    #expect(!items.isEmpty && value["Returned"] as? Int == items.count, "\(label)")
                    for item in items { Self.expect(item, matches: schemas[name], label) }
                case .captureFile:
                    let type = response.headers[.contentType] ?? ""
                    #expect(type == "application/vnd.tcpdump.pcap" || type == "application/x-pcapng", "\(label)")
                    #expect(response.body.readableBytes > 24 && response.headers[.contentDisposition] != nil, "\(label)")
                case .plain:
                    #expect(json != nil, "\(label)")
                }
            }
        }
    }

    @Test func aBadIdIsRefused() async throws {
        try await FakeInstallation.backends().test { client in
            for route in Self.authenticated where route.path.contains("{id}") {
                for id in ["x", "-1", "9223372036854775808", "1.5"] {
                    Self.expectError(try await Self.call(client, route.method, Self.uri(route, id: id)), .badRequest,
                                     .malformedRequest, "the \(Self.resource(route)) id must be a non-negative integer",
                                     "\(Self.label(route)) id \(id)")
                }
            }
        }
    }

    @Test func aBadPageIsRefused() async throws {
        let paged = Self.authenticated.filter { $0.query.contains { $0.name == "limit" } }
        #expect(paged.count == 9)
        try await FakeInstallation.backends().test { client in
            for route in paged {
                for page in ["limit=0", "limit=x", "after=-1", "after=x"] {
                    Self.expectError(try await Self.call(client, route.method, Self.uri(route, query: [page])), .badRequest,
                                     .malformedRequest, Page.refusal.message, "\(Self.label(route)) \(page)")
                }
            }
        }
    }

    @Test func aMissingObjectIs404() async throws {
        let audit = AuditCapture()
        let backends = try FakeInstallation.backends()
        let app = Application(router: backends.router(), logger: Logger(label: "test") { _ in audit })
        let named = Self.authenticated.filter { $0.path.contains("{id}") || $0.path.contains("{name}") }
        #expect(named.count == 20)
        try await backends.test(app) { client in
            for route in named {
                let message = route.path.contains("{id}") ? "no \(Self.resource(route)) 7" : "no such export"
                let uri = Self.uri(route, id: "7", name: "netsift-search-7-a.pcap")
                Self.expectError(try await Self.call(client, route.method, uri), .notFound, .noPage, message, Self.label(route))
            }
            let unknown = try await Self.call(client, "GET", "/api/v1/nothing/here")
            Self.expectError(unknown, .notFound, .noPage, "no route /api/v1/nothing/here", "an unknown path")
        }
        #expect(audit.lines.contains("admin-key admin DELETE /api/v1/hunts/{id} /api/v1/hunts/7 404"), "\(audit.lines)")
        #expect(audit.lines.contains("admin-key admin GET /api/v1/captures/{id}/pcap /api/v1/captures/7/pcap 404"))
    }

    /// Calls every authenticated route: those during which `uses` grew
    /// (they asked the failing backend) must answer the generic 500, the
    /// others succeed. The labels of the first.
    static func failingRoutes(_ backends: FakeBackends, uses: Locked<Int>) async throws -> Set<String> {
        try await backends.test { client in
            var failing: Set<String> = []
            for route in Self.authenticated {
                let before = uses.get()
                let response = try await Self.call(client, route.method, Self.uri(route))
                guard uses.get() > before else {
                    #expect(response.status == .ok, "\(Self.label(route))")
                    continue
                }
                failing.insert(Self.label(route))
                Self.expectInternal(response, Self.label(route))
            }
            return failing
        }
    }

    /// Whether search answers `.failed` or cannot be reached, every route
    /// that asks it answers the generic 500.
    @Test(arguments: [false, true])
    func aFailingSearchIsTheGeneric500(unreachable: Bool) async throws {
        struct Unreachable: Error {}
        let asked = Locked(0)
        let backends = try FakeInstallation.backends(answer: { _ in
            asked.update { $0 += 1 }
            if unreachable { throw Unreachable() }
            return .failed(message: InternalErrorTests.secret)
        })
        let notAsking = Set(Self.authenticated.map(Self.label)).subtracting(try await Self.failingRoutes(backends, uses: asked))
        #expect(notAsking == ["GET /api/v1/openapi.json", "GET /api/v1/info", "GET /api/v1/exports",
                              "GET /api/v1/exports/{name}", "DELETE /api/v1/exports/{name}"])
    }

    @Test func aFailingStorageIsTheGeneric500() async throws {
        struct Down: Error {}
        let reads = Locked(0)
        let backends = try FakeInstallation.backends(read: { _ in
            reads.update { $0 += 1 }
            throw Down()
        })
        #expect(try await Self.failingRoutes(backends, uses: reads) == [
            "GET /api/v1/captures/{id}/packets", "GET /api/v1/captures/{id}/pcap", "GET /api/v1/flows/{id}/pcap",
            "GET /api/v1/search", "GET /api/v1/search/pcap", "GET /api/v1/searches/{id}/results", "POST /api/v1/exports",
        ])
    }

    @Test func aRoleTheRouteDoesNotAdmitIs403() async throws {
        let asked = Locked(0)
        let backends = try FakeInstallation.backends(answer: {
            asked.update { $0 += 1 }
            return FakeInstallation.answer($0)
        })
        let restricted = Self.authenticated.filter { $0.access.roles != Set(APIRole.allCases) }
        #expect(restricted.count == Self.authenticated.count - 1, "all but /info")
        try await backends.test { client in
            for route in restricted {
                let role = try #require(APIRole.allCases.first { !route.access.roles.contains($0) })
                let needed = APIRole.allCases.filter(route.access.roles.contains).map(\.rawValue).joined(separator: " or ")
                let response = try await Self.call(client, route.method, Self.uri(route), key: FakeBackends.key(role))
                Self.expectError(response, .forbidden, .invalidPermissions,
                                 "a key with role \(role) may not \(route.method) \(route.path) (it needs \(needed))",
                                 Self.label(route))
            }
        }
        #expect(asked.get() == 0, "a refused request never reaches its route")
    }

    @Test func noKeyOrAnUnknownOneIs401() async throws {
        try await FakeInstallation.backends().test { client in
            for route in Self.authenticated {
                let none = try await Self.call(client, route.method, Self.uri(route), key: nil)
                Self.expectError(none, .unauthorized, .noToken,
                                 "an API key is required (Authorization: Token KEY, or Basic KEY:)", Self.label(route))
                #expect(none.headers[.wwwAuthenticate] == #"Basic realm="NetSift""#)
                let unknown = try await Self.call(client, route.method, Self.uri(route), key: FakeBackends.unknownKey)
                Self.expectError(unknown, .unauthorized, .invalidCredentials,
                                 "the API key is not valid (unknown or revoked)", Self.label(route))
                #expect(unknown.headers[.wwwAuthenticate] == #"Basic realm="NetSift""#)
            }
            let health = try await Self.call(client, "GET", "/api/v1/health", key: nil)
            #expect(health.status == .ok && String(buffer: health.body).contains(#""status":"ok""#))
        }
    }

    /// Each route's own parameters, and what search refuses.
    @Test(arguments: [
        ("GET", "/api/v1/adapters?sensor=probe", "sensor must be a sensor id (a UUID)"),
        ("GET", "/api/v1/flows?community_id=", "community_id must be a Community ID such as 1:LQU9qZlK+B5F3KDmev6m5PMibrg="),
        ("GET", "/api/v1/captures/1/events?dataset=smtp", "dataset must be one of dns, http, tls, dhcp, icmp"),
        ("GET", "/api/v1/flows/1/events?dataset=", "dataset must be one of dns, http, tls, dhcp, icmp"),
        ("GET", "/api/v1/search", "q must be a query of 1–4096 characters (docs/QUERY.md)"),
        ("GET", "/api/v1/search?q=tcp&as=bytes", "as must be packets, flows or events"),
        ("GET", "/api/v1/search?q=tcp&as=events", "events searches need dataset: one of dns, http, tls, dhcp, icmp"),
        ("GET", "/api/v1/search?q=tcp&after_capture=-1", Page.refusal.message),
        ("GET", "/api/v1/search?q=bad", "at 0: unknown field bad (try tcp)"),
        ("GET", "/api/v1/search/syntax?q=", "q must be a query of 1–4096 characters"),
        ("GET", "/api/v1/search/pcap?q=bad", "at 0: unknown field bad (try tcp)"),
        ("POST", "/api/v1/searches?q=bad", "at 0: unknown field bad (try tcp)"),
        ("POST", "/api/v1/exports?q=bad", "at 0: unknown field bad (try tcp)"),
        ("POST", "/api/v1/hunts?q=tcp&name=taken", "a hunt named taken exists"),
        ("POST", "/api/v1/hunts?q=bad&name=dga", "at 0: unknown field bad (try tcp)"),
        ("POST", "/api/v1/hunts?q=tcp", "name must be 1–128 characters without control characters"),
        ("POST", "/api/v1/hunts?q=tcp&name=dga&interval=31d", "interval must be a duration such as 60s, 15m or 1h, at most 30d"),
        ("PATCH", "/api/v1/hunts/1", "give enabled=true|false, interval=DURATION or both"),
        ("PATCH", "/api/v1/hunts/1?enabled=yes", "enabled must be true or false"),
    ])
    func parametersAreChecked(method: String, uri: String, message: String) async throws {
        try await FakeInstallation.backends().test { client in
            Self.expectError(try await Self.call(client, method, uri), .badRequest, .malformedRequest, message, "\(method) \(uri)")
        }
    }

    /// A query string's `+` is a space, as forms, Python's requests, `curl
    /// --data-urlencode` and the browser's URLSearchParams encode one; `%2B`
    /// is a plus. Search echoes the query it ran.
    @Test func aPlusInTheQueryStringIsASpace() async throws {
        try await FakeInstallation.backends().test { client in
            for (uri, query) in [("/api/v1/search?q=tcp+%26%26+port+%3D%3D+80", "tcp && port == 80"),
                                 ("/api/v1/search?q=tcp%2B", "tcp+"), ("/api/v1/search?q=tcp", "tcp")] {
                let response = try await Self.call(client, "GET", uri)
                #expect(response.status == .ok, "\(uri)")
                #expect(String(buffer: response.body).contains(#""Query":"\#(query)""#), "\(uri)")
            }
        }
    }

    @Test func busyAndWrongMethodsAnswerWithTheirHeaders() async throws {
        try await FakeInstallation.backends().test { client in
            let busy = try await Self.call(client, "POST", "/api/v1/searches?q=busy")
            Self.expectError(busy, .tooManyRequests, .genericError, "this API key has 4 background searches queued or "
                                 + "running, at most 4 (searches_per_key): wait for one, or delete one", "busy")
            #expect(busy.headers[.retryAfter] == "30")
            let put = try await Self.call(client, "PUT", "/api/v1/hunts/1")
            Self.expectError(put, .methodNotAllowed, .malformedRequest, "PUT is not served here: DELETE, GET, PATCH", "PUT")
            #expect(put.headers[.allow] == "DELETE, GET, PATCH" && put.headers[.requestID] != nil)
        }
    }
}
