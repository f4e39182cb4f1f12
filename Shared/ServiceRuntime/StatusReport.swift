/// What a service says on each scrape of its `/health`: its counters as
/// gauges, and its health.
public protocol StatusReport: Sendable {
    /// Gauge values by name, without the `netsift_<service>_` prefix.
    var gauges: [String: Double] { get }
    /// `HealthReport.ok`, `.degraded` or `.failing`.
    var status: String { get }
    var detail: [String: String] { get }
}
