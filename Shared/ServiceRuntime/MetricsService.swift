import ServiceLifecycle

/// Runs a `MetricsEndpoint` inside a `ServiceGroup`: starts it, serves until
/// graceful shutdown (or cancellation), then stops it. Put it first in the
/// group so it is stopped last and health stays visible during shutdown.
public struct MetricsService: Service, CustomStringConvertible {
    public let endpoint: MetricsEndpoint

    public init(endpoint: MetricsEndpoint) {
        self.endpoint = endpoint
    }

    public func run() async throws {
        try endpoint.start()
        // Throws CancellationError when cancelled; either way, stop serving.
        try? await gracefulShutdown()
        await endpoint.stopAsync()
    }

    public var description: String { "metrics \(endpoint.host):\(endpoint.port)" }
}
