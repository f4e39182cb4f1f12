import Decoder
import ServiceRuntime

/// The decoder's `/metrics` gauges and `/health`.
struct DecoderReport: StatusReport {
    let server: DecoderServer.Status

    init(_ server: DecoderServer.Status) { self.server = server }

    var gauges: [String: Double] {
        let counters = server.engine
        let application = counters.application
        return [
            "frames_decoded": Double(counters.framesDecoded), "batches_in": Double(counters.batchesIn),
            "batches_out": Double(counters.batchesOut), "duplicates": Double(counters.duplicates),
            "out_of_order": Double(counters.outOfOrder), "awaiting_start": Double(counters.awaitingStart),
            "captures_ended": Double(counters.capturesEnded), "flow_reports": Double(counters.flowReports),
            "events": Double(counters.events), "l7_flows": Double(application.flows),
            "l7_flows_unclaimed": Double(application.unclaimed),
            "l7_evicted_for_flows": Double(application.evictedForFlows),
            "l7_evicted_for_bytes": Double(application.evictedForBytes),
            "l7_gaps": Double(application.gaps), "l7_gap_bytes": Double(application.gapBytes),
            "unacked_batches": Double(server.unacked), "resends": Double(server.resends),
            "malformed_messages": Double(server.malformedMessages), "open_captures": Double(server.openCaptures),
        ]
    }

    var status: String { HealthReport.ok }

    var detail: [String: String] {
        ["producer": server.producer.uuidString, "frames": "\(server.engine.framesDecoded)",
         "unacked": "\(server.unacked)", "resends": "\(server.resends)", "open_captures": "\(server.openCaptures)"]
    }
}
