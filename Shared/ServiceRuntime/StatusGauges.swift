import Prometheus

/// Mirrors a service's counter snapshot into Prometheus gauges: the loop
/// thread keeps plain counters; each scrape of `/health` (and a refresh
/// before `/metrics` is read by `netsift status`) copies them here.
final class StatusGauges: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let prefix: String

    init(registry: PrometheusCollectorRegistry, prefix: String) {
        self.registry = registry
        self.prefix = prefix
    }

    /// Sets `prefix + name` to each value.
    func update(_ values: [String: Double]) {
        for (name, value) in values {
            registry.makeGauge(name: prefix + name).set(value)
        }
    }
}
