import Foundation
import Messaging
import ServiceRuntime
import Storage
import Wire

/// Storage's `/metrics` gauges and `/health`.
struct StorageReport: StatusReport {
    let server: StorageServer.Status
    let reads: RequestServer<PacketReadMessage>.Status

    var gauges: [String: Double] {
        let counters = server.engine
        return [
            "database_up": server.databaseUp ? 1 : 0,
            "batches_committed": Double(counters.batchesCommitted), "batches_duplicate": Double(counters.batchesDuplicate),
            "packets": Double(counters.packets), "flow_reports": Double(counters.flowReports),
            "frames_not_stored": Double(counters.framesNotStored),
            "frames_resent": Double(counters.framesResent), "captures_started": Double(counters.capturesStarted),
            "malformed_messages": Double(server.malformedMessages), "refused_batches": Double(server.refusedBatches),
            "failed_attempts": Double(server.failedAttempts),
            "pcap_append_seconds": counters.pcapAppendSeconds, "pcap_flush_seconds": counters.pcapFlushSeconds,
            "commit_seconds": counters.commitSeconds, "frame_reads": Double(reads.requests),
        ]
    }

    var status: String { server.databaseUp ? HealthReport.ok : HealthReport.failing }

    var detail: [String: String] {
        let counters = server.engine
        var detail = [
            "database": server.databaseUp ? "up" : "down", "packets": "\(counters.packets)",
            "batches": "\(counters.batchesCommitted)", "duplicates": "\(counters.batchesDuplicate)",
            "refused": "\(server.refusedBatches)", "captures_started": "\(counters.capturesStarted)",
            "seconds_pcap_append": String(format: "%.1f", counters.pcapAppendSeconds),
            "seconds_pcap_flush": String(format: "%.1f", counters.pcapFlushSeconds),
            "seconds_commit": String(format: "%.1f", counters.commitSeconds),
        ]
        if let error = server.lastError { detail["last_error"] = error }
        return detail
    }
}
