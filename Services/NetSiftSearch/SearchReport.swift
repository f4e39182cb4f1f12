import Messaging
import Search
import ServiceRuntime
import Wire

/// Search's `/metrics` gauges and `/health`.
struct SearchReport: StatusReport {
    let server: RequestServer<QueryMessage>.Status
    let runners: [SearchRunner.Counters]
    let hunts: HuntScheduler.Counters

    var gauges: [String: Double] {
        ["queries": Double(server.requests), "failures": Double(server.failures), "malformed": Double(server.malformed),
         "searches_completed": Double(runners.reduce(0) { $0 + $1.completed }),
         "searches_failed": Double(runners.reduce(0) { $0 + $1.failed }),
         "searches_cancelled": Double(runners.reduce(0) { $0 + $1.cancelled }),
         "hunt_runs": Double(hunts.runs), "hunt_failures": Double(hunts.failures), "hunt_matches": Double(hunts.matched)]
    }

    var status: String { HealthReport.ok }

    var detail: [String: String] {
        ["queries": "\(server.requests)", "failures": "\(server.failures)", "last_error": server.lastError ?? ""]
    }
}
