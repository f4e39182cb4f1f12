import Auth
import Foundation
import HTTPTypes
import Hummingbird
import Messaging
import NIOCore
import PcapStore
import Wire

/// The native API under `/api/v1`: AppPacCap objects in the RESPONSE
/// envelope. The gateway holds no SQL: it asks search for rows and storage
/// for frame bytes. Every route but `/api/v1/health` needs an API key.
public struct GatewayRouter: Sendable {
    public static let version = "NetSift 0.4"
    /// Most items one listing returns; larger `limit`s are clamped.
    public static let maxLimit = 1_000

    public let search: SearchClient
    public let storage: RequestClient<PacketReadMessage>
    public let exports: ExportDirectory
    public let downloads: DownloadLimiter
    /// The deployment the gateway belongs to (`deployment_id`), in its health answer.
    public let deploymentID: String?

    public init(search: SearchClient, storage: RequestClient<PacketReadMessage>, exports: ExportDirectory,
                downloads: DownloadLimiter = DownloadLimiter(), deploymentID: String? = nil) {
        self.search = search
        self.storage = storage
        self.exports = exports
        self.downloads = downloads
        self.deploymentID = deploymentID
    }

    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(options: .autoGenerateHeadEndpoints)
        router.add(middleware: EnvelopeMiddleware())
        let health = (try? JSONEncoder().encode(HealthAnswer(deployment: deploymentID))).map(Array.init) ?? []
        router.get("/api/v1/health") { _, _ in
            Self.json(health, status: 200)
        }
        let api = router.group("api/v1").add(middleware: APIKeyMiddleware(search: search, cache: VerifiedKeyCache()))
        let files = api.group().add(middleware: DownloadLimitMiddleware(limiter: downloads))
        api.get("openapi.json") { _, _ in
            Self.json(OpenAPIDocument.bytes, status: 200)
        }
        let info = (try? APIResponse.object(AppPacCapObject(version: Self.version))) ?? []
        api.get("info") { _, _ in
            Self.json(info, status: 200)
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
            guard let page = Self.page(request) else { return Self.badPage }
            return try await answer(.listCaptures(after: page.after, limit: page.limit)) { reply in
                guard case .captures(let list) = reply else { return nil }
                return try Self.ok(ListObject(items: list.map(CaptureObject.init), lastID: list.last?.id ?? page.after))
            }
        }
        api.get("captures/:id") { _, context in
            guard let id = Self.id(context) else { return Self.badID("capture") }
            return try await answer(.getCapture(id: id)) { reply in
                guard case .capture(let capture) = reply else { return nil }
                guard let capture else { return Self.failure(.noPage, "no capture \(id)") }
                return try Self.ok(CaptureObject(capture))
            }
        }
        api.get("captures/:id/meta") { _, context in
            guard let id = Self.id(context) else { return Self.badID("capture") }
            return try await answer(.getCaptureMeta(id: id)) { reply in
                guard case .captureMeta(let meta) = reply else { return nil }
                guard let meta else { return Self.failure(.noPage, "no capture \(id)") }
                return try Self.ok(CaptureMetaObject(meta))
            }
        }
        api.get("captures/:id/stats") { _, context in
            guard let id = Self.id(context) else { return Self.badID("capture") }
            return try await answer(.getCaptureStats(id: id)) { reply in
                guard case .captureStats(let stats) = reply else { return nil }
                guard let stats else { return Self.failure(.noPage, "no capture \(id)") }
                return try Self.ok(StatsCaptureQueryObject(stats))
            }
        }
        api.get("captures/:id/packets") { request, context in
            guard let id = Self.id(context) else { return Self.badID("capture") }
            guard let page = Self.page(request) else { return Self.badPage }
            return try await packets(capture: id, after: page.after, limit: page.limit)
        }
        api.get("captures/:id/flows") { request, context in
            guard let id = Self.id(context) else { return Self.badID("capture") }
            guard let page = Self.page(request) else { return Self.badPage }
            return try await flows(.listFlows(captureID: id, after: page.after, limit: page.limit),
                                   after: page.after, missing: "no capture \(id)")
        }
        api.get("captures/:id/events") { request, context in
            guard let id = Self.id(context) else { return Self.badID("capture") }
            return try await events(.capture(id), request)
        }
        files.get("captures/:id/pcap") { request, context in
            guard let id = Self.id(context) else { return Self.badID("capture") }
            return try await download(.scope(.capture(id)), name: "netsift-capture-\(id)", request: request)
        }
        api.get("flows") { request, _ in
            guard let page = Self.page(request) else { return Self.badPage }
            let communityID = request.uri.queryParameters.get("community_id")
            if let communityID, communityID.isEmpty || communityID.utf8.count > 128 {
                return Self.failure(.malformedRequest, "community_id must be a Community ID such as 1:LQU9qZlK+B5F3KDmev6m5PMibrg=")
            }
            return try await flows(.findFlows(communityID: communityID, after: page.after, limit: page.limit),
                                   after: page.after, missing: "")
        }
        api.get("flows/:id") { _, context in
            guard let id = Self.id(context) else { return Self.badID("flow") }
            return try await answer(.getFlow(id: id)) { reply in
                guard case .flow(let flow) = reply else { return nil }
                guard let flow else { return Self.failure(.noPage, "no flow \(id)") }
                return try Self.ok(FlowObject(flow))
            }
        }
        api.get("flows/:id/events") { request, context in
            guard let id = Self.id(context) else { return Self.badID("flow") }
            return try await events(.flow(id), request)
        }
        api.get("search") { request, _ in try await search(request) }
        api.get("search/syntax") { request, _ in try await syntax(request) }
        files.get("search/pcap") { request, _ in try await searchDownload(request) }
        api.post("searches") { request, _ in try await startSearch(request) }
        api.get("searches/:id") { _, context in
            guard let id = Self.id(context) else { return Self.badID("search") }
            return try await searchMeta(.getSearch(id: id), id: id)
        }
        api.delete("searches/:id") { _, context in
            guard let id = Self.id(context) else { return Self.badID("search") }
            return try await searchMeta(.cancelSearch(id: id), id: id)
        }
        api.get("searches/:id/results") { request, context in
            guard let id = Self.id(context) else { return Self.badID("search") }
            return try await searchResults(id, request)
        }
        api.post("hunts") { request, _ in try await addHunt(request) }
        api.get("hunts") { _, _ in try await listHunts() }
        api.get("hunts/:id") { _, context in
            guard let id = Self.id(context) else { return Self.badID("hunt") }
            return try await hunt(.getHunt(id: id), id: id)
        }
        api.patch("hunts/:id") { request, context in
            guard let id = Self.id(context) else { return Self.badID("hunt") }
            return try await changeHunt(id, request)
        }
        api.delete("hunts/:id") { _, context in
            guard let id = Self.id(context) else { return Self.badID("hunt") }
            return try await hunt(.deleteHunt(id: id), id: id)
        }
        api.get("hunts/:id/matches") { request, context in
            guard let id = Self.id(context) else { return Self.badID("hunt") }
            return try await huntMatches(id, request)
        }
        api.post("hunts/:id/run") { _, context in
            guard let id = Self.id(context) else { return Self.badID("hunt") }
            return try await hunt(.runHunt(id: id), id: id)
        }
        files.get("flows/:id/pcap") { request, context in
            guard let id = Self.id(context) else { return Self.badID("flow") }
            return try await download(.scope(.flow(id)), name: "netsift-flow-\(id)", request: request)
        }
        api.post("exports") { request, _ in try await exportSearch(request) }
        api.get("exports") { _, _ in try exportList() }
        files.get("exports/:name") { request, context in try await exportDownload(request, context) }
        api.delete("exports/:name") { _, context in try exportRemoval(context) }
        return router
    }

    /// Asks search; `shape` turns the expected reply into a response (nil: unexpected).
    func answer(_ query: QueryMessage.Body,
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

    /// `after` (an id or frame number) and `limit` (clamped to `maxLimit`).
    static func page(_ request: Request) -> (after: UInt64, limit: Int)? {
        let query = request.uri.queryParameters
        guard let after = parameter(query.get("after"), default: Int64(0)), after >= 0,
              let limit = parameter(query.get("limit"), default: 100), limit > 0 else { return nil }
        return (UInt64(after), min(limit, maxLimit))
    }

    /// The path's `id`: ids are PostgreSQL bigints, so 0 … 2^63 − 1.
    static func id(_ context: some RequestContext) -> UInt64? {
        guard let id = context.parameters.get("id", as: Int64.self), id >= 0 else { return nil }
        return UInt64(id)
    }

    static var badPage: Response {
        failure(.malformedRequest, "after must be a non-negative integer and limit a positive integer")
    }

    static func badID(_ what: String) -> Response {
        failure(.malformedRequest, "the \(what) id must be a non-negative integer")
    }

    static func ok(_ object: some Encodable) throws -> Response {
        json(try APIResponse.object(object), status: 200)
    }

    static func failure(_ code: APIResponse.ErrorCode, _ message: String) -> Response {
        guard code.httpStatus < 500 else { return internalError(code, message) }
        var response = json(APIResponse.error(code, message), status: code.httpStatus)
        if code.httpStatus == 401 { response.headers[.wwwAuthenticate] = #"Basic realm="NetSift""# }
        return response
    }

    static func json(_ bytes: [UInt8], status: Int) -> Response {
        Response(status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
