import Foundation
import Operations
import ServiceRuntime

/// Each service's `/health`, by the deployment's ports.
struct HealthWatch {
    let deployment: Deployment
    /// Whether a sensor service runs (live capture); nil: if it answers.
    var sensor: Bool?

    var services: [(name: String, port: Int, path: String)] {
        var list = [("storage", deployment.port(.storageMetrics), "/health")]
            + (0 ..< deployment.decoders).map { ("decoder-\($0 + 1)", deployment.port(.decoderMetrics($0)), "/health") }
            + [("search", deployment.port(.searchMetrics), "/health"), ("gateway", deployment.httpPort, "/api/v1/health")]
        let sensorPort = deployment.port(.sensorMetrics)
        if sensor ?? (probe(port: sensorPort)?.deployment == deployment.id) { list.append(("sensor", sensorPort, "/health")) }
        return list
    }

    /// The service's health, or nil when nothing answers. An answer for
    /// another deployment (a service of theirs on our port) is not ours:
    /// its status says so.
    func probe(port: Int, path: String = "/health", timeout: Double = 2) -> HealthReport? {
        guard let answer = try? HTTPProbe.get(host: "127.0.0.1", port: port, path: path, timeout: timeout),
              var report = try? JSONDecoder().decode(HealthReport.self, from: Data(answer.body)) else {
            return nil
        }
        if report.deployment != deployment.id {
            report.detail = ["deployment": report.deployment ?? "none"]
            report.status = "another deployment's"
        }
        return report
    }

    func allOK() -> Bool {
        services.allSatisfy { probe(port: $0.port, path: $0.path)?.status == HealthReport.ok }
    }

    func report() -> String {
        services.map { service in
            guard let health = probe(port: service.port, path: service.path) else {
                return "  \(service.name.padding(toLength: 10, withPad: " ", startingAt: 0)) down (no answer on port \(service.port))"
            }
            let detail = health.detail.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            return "  \(service.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(health.status)  \(detail)"
        }.joined(separator: "\n")
    }
}
