import ArgumentParser
import Foundation
import Operations
import ServiceRuntime

/// Why an ingest's acknowledgements stopped: asked of the services' health
/// (storage first: the database, the disk; then the decoders), at most
/// every two seconds, so `netsift ingest` never waits without saying why.
final class IngestWait {
    let health: HealthWatch
    private var asked = ContinuousClock.now - .seconds(10)
    private(set) var reason = "acknowledgements are slow"

    init(deployment: Deployment) {
        health = HealthWatch(deployment: deployment, sensor: false)
    }

    /// The reason now (cached for two seconds).
    func explain() -> String {
        guard ContinuousClock.now - asked >= .seconds(2) else { return reason }
        // A stopped service costs the probe's timeout: short, and counted from after it.
        reason = Self.reason(from: health.services.map {
            ($0.name, health.probe(port: $0.port, path: $0.path, timeout: 0.5))
        })
        asked = .now
        return reason
    }

    /// The first service that is not ok, in words an operator acts on.
    static func reason(from reports: [(name: String, report: HealthReport?)]) -> String {
        for (name, report) in reports where name == "storage" || name.hasPrefix("decoder") {
            guard let report else { return "\(name) is not answering (restarting?)" }
            // Kept until the next commit: a full disk fails each retry at once.
            let error = report.detail["last_error"] ?? ""
            if error.localizedCaseInsensitiveContains("no space left") || error.contains("could not extend file") {
                return "disk full: \(name): \(error.prefix(200))"
            }
            guard report.status != HealthReport.ok else { continue }
            if name == "storage" && report.detail["database"] == "down" {
                return "the database is down (storage: \(error.prefix(200)))"
            }
            return "\(name) is \(report.status)" + (error.isEmpty ? "" : ": \(error.prefix(200))")
        }
        return "storage has not acknowledged yet (services report ok)"
    }
}

/// `--timeout 10m`: a count and a unit (s, m, h), or seconds.
struct IngestTimeout: ExpressibleByArgument {
    let duration: Duration
    let text: String

    init?(argument: String) {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3_600]
        let unit = argument.last.flatMap { units[$0] }
        let digits = unit == nil ? Substring(argument) : argument.dropLast()
        guard let count = Int64(digits), count > 0, count <= 1_000_000 else { return nil }
        duration = .seconds(count * (unit ?? 1))
        text = argument
    }
}
