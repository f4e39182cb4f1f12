import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus

/// A small HTTP server for `GET /metrics` (Prometheus text format) and
/// `GET /health` (`HealthReport` as JSON; 503 when failing), on an event
/// loop thread of its own. Run it inside a `ServiceGroup` with
/// `MetricsService`, or call `start()`/`stop()` directly.
public final class MetricsEndpoint: Sendable {
    private struct Running {
        let group: MultiThreadedEventLoopGroup
        let channel: any Channel
        let port: Int
    }

    public let host: String
    public let port: Int
    private let routes: HTTPRoutes
    private let running = NIOLockedValueBox<Running?>(nil)

    /// `port` 0 asks the system for a free port; read it from `boundPort`.
    /// `deployment` (the `deployment_id` setting) is stamped on every health answer.
    public init(host: String = "127.0.0.1", port: Int, registry: PrometheusCollectorRegistry, deployment: String? = nil,
                health: @escaping @Sendable () -> HealthReport) {
        self.host = host
        self.port = port
        self.routes = HTTPRoutes(registry: registry) {
            var report = health()
            report.deployment = deployment
            return report
        }
    }

    /// The port the endpoint listens on; 0 while it is not started.
    public var boundPort: Int {
        running.withLockedValue { $0?.port ?? 0 }
    }

    /// Binds and starts serving. Does nothing when already started.
    public func start() throws(MetricsEndpointError) {
        let started: Result<Void, MetricsEndpointError> = running.withLockedValue { running in
            guard running == nil else { return .success(()) }
            return bind().map { running = $0 }
        }
        try started.get()
    }

    /// Stops serving and releases the port. Do not call it from async code
    /// (it blocks); `MetricsService` stops it without blocking.
    public func stop() {
        guard let stopped = running.withLockedValue({ $0.take() }) else { return }
        try? stopped.channel.close().wait()
        try? stopped.group.syncShutdownGracefully()
    }

    func stopAsync() async {
        guard let stopped = running.withLockedValue({ $0.take() }) else { return }
        try? await stopped.channel.close()
        try? await stopped.group.shutdownGracefully()
    }

    private func bind() -> Result<Running, MetricsEndpointError> {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let routes = self.routes
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(HTTPEndpointHandler(routes: routes))
                }
            }
        do {
            let channel = try bootstrap.bind(host: host, port: port).wait()
            let port = channel.localAddress?.port ?? self.port
            return .success(Running(group: group, channel: channel, port: port))
        } catch {
            try? group.syncShutdownGracefully()
            return .failure(MetricsEndpointError(host: host, port: port, reason: String(describing: error)))
        }
    }
}
