import Configurations
import Hummingbird
import Logging

/// The routes of one resource, added to the router under `/api/v1`.
typealias ResourceRoutes = RouteCollection<BasicRequestContext>

/// What the routes work with: search and storage, the exports directory and
/// the download slots.
public struct GatewayDependencies: Sendable {
    public var search: any SearchBackend
    public var frames: any FrameBackend
    public var exports: ExportDirectory
    public var downloads: DownloadLimiter
    /// In the health answer (`deployment_id`).
    public var deploymentID: String?

    public init(search: any SearchBackend, frames: any FrameBackend, exports: ExportDirectory,
                downloads: DownloadLimiter = DownloadLimiter(), deploymentID: String? = nil) {
        self.search = search
        self.frames = frames
        self.exports = exports
        self.downloads = downloads
        self.deploymentID = deploymentID
    }
}

/// The gateway as `netsift-gateway` runs it: the router behind the HTTP
/// server with its timeouts, on `configuration`'s address.
public func buildApplication(_ configuration: GatewayConfiguration, search: any SearchBackend, frames: any FrameBackend,
                             logger: Logger) -> some ApplicationProtocol {
    let router = buildRouter(GatewayDependencies(
        search: search, frames: frames, exports: configuration.exports,
        downloads: DownloadLimiter(limits: configuration.downloadLimits), deploymentID: configuration.deploymentID))
    return Application(router: router, server: GatewayHTTPChannel.builder(configuration.timeouts),
                       configuration: .init(address: .hostname(configuration.host, port: configuration.port),
                                            serverName: GatewayRouter.version),
                       logger: logger)
}

/// Every route of the native API, one collection a resource. Errors become
/// envelopes in `EnvelopeMiddleware`; every route but health needs an API
/// key whose role it admits (`APIKeyMiddleware`, `RouteAccess`); capture
/// file downloads take a slot (`DownloadLimitMiddleware`).
public func buildRouter(_ dependencies: GatewayDependencies) -> Router<BasicRequestContext> {
    let search = dependencies.search
    let frames = FrameReader(backend: dependencies.frames)
    let files = CaptureFiles(search: search, frames: frames)
    let downloads = DownloadLimitMiddleware<BasicRequestContext>(limiter: dependencies.downloads)

    let router = Router(options: .autoGenerateHeadEndpoints)
    router.add(middleware: EnvelopeMiddleware())
    router.addRoutes(HealthRoutes(deploymentID: dependencies.deploymentID).collection, atPath: "api/v1")
    let api = router.group("api/v1").add(middleware: APIKeyMiddleware(search: search, cache: VerifiedKeyCache()))
    for resource in [
        OpenAPIRoutes().collection,
        InstallationRoutes(search: search).collection,
        CaptureRoutes(search: search, files: files, downloads: downloads).collection,
        PacketRoutes(search: search, frames: frames).collection,
        FlowRoutes(search: search, files: files, downloads: downloads).collection,
        EventRoutes(search: search).collection,
        SearchRoutes(search: search, frames: frames, files: files, downloads: downloads).collection,
        SearchesRoutes(search: search, frames: frames).collection,
        ExportRoutes(search: search, files: files, exports: dependencies.exports, downloads: downloads).collection,
        HuntRoutes(search: search).collection,
    ] {
        api.addRoutes(resource)
    }
    return router
}
