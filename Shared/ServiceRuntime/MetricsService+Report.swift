import Configurations
import Prometheus

extension MetricsService {
    /// `/metrics` and `/health` of a service on 127.0.0.1:`port`. Each
    /// `/health` answers `report()`'s health, stamped with the
    /// configuration's deployment, and sets the gauges
    /// `netsift_<service>_<name>` to its values.
    public init<C: ServiceConfiguration, Report: StatusReport>(
        _ configuration: C, port: Int, report: @escaping @Sendable () -> Report
    ) {
        let registry = PrometheusCollectorRegistry()
        let gauges = StatusGauges(registry: registry, prefix: "netsift_\(C.service)_")
        self.init(endpoint: MetricsEndpoint(port: port, registry: registry, deployment: configuration.deploymentID) {
            let current = report()
            gauges.update(current.gauges)
            return HealthReport(service: C.service, status: current.status, detail: current.detail)
        })
    }
}
