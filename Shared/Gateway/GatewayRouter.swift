import Auth
import Foundation
import HTTPTypes
import Hummingbird
import Messaging
import NIOCore
import Search

/// The native API under `/api/v1`: AppPacCap objects in the RESPONSE
/// envelope. The gateway holds no SQL: it asks search for rows.
/// Every route but `/api/v1/health` needs an API key.
public struct GatewayRouter: Sendable {
    public static let version = "NetSift 0.4"
    /// Most items one listing returns; larger `limit`s are clamped.
    public static let maxLimit = 1_000

    public let search: SearchClient

    public init(search: SearchClient) {
        self.search = search
    }

    /// Every route, for docs/API.md and the authentication test.
    public static let routes: [(method: String, path: String, authenticated: Bool)] = [
        ("GET", "/api/v1/health", false),
        ("GET", "/api/v1/info", true),
        ("GET", "/api/v1/stats", true),
        ("GET", "/api/v1/sensors", true),
        ("GET", "/api/v1/adapters", true),
        ("GET", "/api/v1/captures", true),
        ("GET", "/api/v1/captures/{id}", true),
        ("GET", "/api/v1/captures/{id}/stats", true),
    ]

    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/api/v1/health") { _, _ in
            Self.json(Array(#"{"detail":{},"service":"gateway","status":"ok"}"#.utf8), status: 200)
        }
        let api = router.group("api/v1").add(middleware: APIKeyMiddleware(search: search, cache: VerifiedKeyCache()))
        api.get("info") { _, _ in
            try Self.ok(AppPacCapObject(version: Self.version))
        }
        api.get("stats") { _, _ in
            try await answer(.getTotals) { reply in
                guard case .totals(let totals) = reply else { return nil }
                return try Self.ok(StatsQueryObject(totals))
            }
        }
        api.get("sensors") { _, _ in
            try await answer(.listSensors) { reply in
                guard case .sensors(let list) = reply else { return nil }
                return try Self.ok(ListObject(items: list.map(SensorObject.init), lastID: UInt64(list.count)))
            }
        }
        api.get("adapters") { request, _ in
            var sensor: UUID?
            if let text = request.uri.queryParameters.get("sensor") {
                guard let id = UUID(uuidString: text) else {
                    return Self.failure(.malformedRequest, "sensor must be a sensor id (a UUID)")
                }
                sensor = id
            }
            return try await answer(.listAdapters(sensorID: sensor)) { reply in
                guard case .adapters(let list) = reply else { return nil }
                return try Self.ok(ListObject(items: list.map(NetAdapterObject.init), lastID: UInt64(list.count)))
            }
        }
        api.get("captures") { request, _ in
            let query = request.uri.queryParameters
            guard let after = Self.parameter(query.get("after"), default: UInt64(0)) else {
                return Self.failure(.malformedRequest, "after must be a capture id (a non-negative integer)")
            }
            guard let limit = Self.parameter(query.get("limit"), default: 100), limit > 0 else {
                return Self.failure(.malformedRequest, "limit must be a positive integer")
            }
            return try await answer(.listCaptures(after: after, limit: min(limit, Self.maxLimit))) { reply in
                guard case .captures(let list) = reply else { return nil }
                return try Self.ok(ListObject(items: list.map(CaptureObject.init), lastID: list.last?.id ?? after))
            }
        }
        api.get("captures/:id") { _, context in
            guard let id = context.parameters.get("id", as: UInt64.self) else {
                return Self.failure(.malformedRequest, "the capture id must be a non-negative integer")
            }
            return try await answer(.getCapture(id: id)) { reply in
                guard case .capture(let capture) = reply else { return nil }
                guard let capture else { return Self.failure(.noPage, "no capture \(id)") }
                return try Self.ok(CaptureObject(capture))
            }
        }
        api.get("captures/:id/stats") { _, context in
            guard let id = context.parameters.get("id", as: UInt64.self) else {
                return Self.failure(.malformedRequest, "the capture id must be a non-negative integer")
            }
            return try await answer(.getCaptureStats(id: id)) { reply in
                guard case .captureStats(let stats) = reply else { return nil }
                guard let stats else { return Self.failure(.noPage, "no capture \(id)") }
                return try Self.ok(StatsCaptureQueryObject(stats))
            }
        }
        return router
    }

    /// Asks search; `shape` turns the expected reply into a response (nil: unexpected).
    private func answer(_ query: QueryMessage.Body,
                        _ shape: (QueryMessage.Body) throws -> Response?) async throws -> Response {
        let reply: QueryMessage.Body
        do {
            reply = try await search.ask(query)
        } catch {
            return Self.failure(.genericError, "\(error)")
        }
        if case .failed(let message) = reply { return Self.failure(.genericError, message) }
        return try shape(reply) ?? Self.failure(.genericError, "search gave an unexpected answer")
    }

    static func parameter<T: LosslessStringConvertible>(_ text: String?, default value: T) -> T? {
        guard let text else { return value }
        return T(text)
    }

    static func ok(_ object: some Encodable) throws -> Response {
        json(try APIResponse.object(object), status: 200)
    }

    static func failure(_ code: APIResponse.ErrorCode, _ message: String) -> Response {
        var response = json(APIResponse.error(code, message), status: code.httpStatus)
        if code.httpStatus == 401 { response.headers[.wwwAuthenticate] = #"Basic realm="NetSift""# }
        return response
    }

    static func json(_ bytes: [UInt8], status: Int) -> Response {
        Response(status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
