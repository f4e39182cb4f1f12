import Sensor
import ServiceRuntime

/// The sensor's `/metrics` gauges and `/health`.
struct SensorReport: StatusReport {
    let job: SensorJob.Status

    init(_ job: SensorJob.Status) { self.job = job }

    var gauges: [String: Double] {
        ["frames": Double(job.frames), "received": Double(job.received), "kernel_drops": Double(job.kernelDrops),
         "interface_drops": Double(job.interfaceDrops), "sensor_drops": Double(job.sensorDrops)]
    }

    var status: String { job.failure == nil ? HealthReport.ok : HealthReport.failing }

    var detail: [String: String] {
        ["state": job.state, "frames": "\(job.frames)", "kernel_drops": "\(job.kernelDrops)",
         "sensor_drops": "\(job.sensorDrops)", "error": job.failure ?? ""]
    }
}
