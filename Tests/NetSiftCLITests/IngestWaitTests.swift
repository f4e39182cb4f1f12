@testable import NetSift
import ServiceRuntime
import Testing

@Suite struct IngestWaitTests {
    @Test func theFirstUnhealthyServiceSaysWhy() {
        let ok = HealthReport(service: "x", status: HealthReport.ok)
        #expect(IngestWait.reason(from: [("storage", ok), ("decoder-1", nil)]) == "decoder-1 is not answering (restarting?)")
        let down = HealthReport(service: "storage", status: HealthReport.failing,
                                detail: ["database": "down", "last_error": "connection refused"])
        #expect(IngestWait.reason(from: [("storage", down), ("decoder-1", nil)])
                == "the database is down (storage: connection refused)")
        let full = HealthReport(service: "storage", status: HealthReport.failing,
                                detail: ["database": "down", "last_error": "write: No space left on device"])
        #expect(IngestWait.reason(from: [("storage", full)]).hasPrefix("disk full: storage"))
        #expect(IngestWait.reason(from: [("storage", ok), ("gateway", nil)])
                == "storage has not acknowledged yet (services report ok)")
    }

    @Test func timeoutsTakeAUnit() {
        #expect(IngestTimeout(argument: "90")?.duration == .seconds(90))
        #expect(IngestTimeout(argument: "10m")?.duration == .seconds(600))
        #expect(IngestTimeout(argument: "2h")?.duration == .seconds(7_200))
        for bad in ["", "0", "-5s", "5d", "m", "1.5m"] { #expect(IngestTimeout(argument: bad) == nil, "\(bad)") }
    }
}
