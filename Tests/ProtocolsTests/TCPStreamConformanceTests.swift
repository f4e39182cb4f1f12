import Protocols
import Testing
import TestSupport

/// Reassembly of the shared captures against what other tools saw.
@Suite struct TCPStreamConformanceTests {
    /// suricata-verify eve-payload-04-partial-overlap: "GOOD" then an overlapping
    /// "XXX" one byte later. Suricata's stream holds "GOOD" (sid 2 fires, sid 1 on
    /// "XXX" does not): the first bytes seen win.
    @Test(.enabled(if: SharedCaptures.available, SharedCaptures.skipMessage))
    func partialOverlapKeepsTheFirstBytes() throws {
        let connections = try TCPStreamCapture.read(SharedCaptures.path("tcp/sv_eve-payload-04-partial-overlap.pcap")) { _, _, _ in true }
        let connection = try #require(connections.first)
        var stream: [Direction: [UInt8]] = [:]
        let counters = connection.replay { d in
            if case .data(let bytes) = d.kind { stream[d.direction, default: []] += Array(bytes) }
        }
        let toServer = String(decoding: stream[.toServer] ?? [], as: UTF8.self)
        print("TCP conformance sv_eve-payload-04-partial-overlap: \(toServer == "GOOD" ? "match" : "stream \(toServer)") (conflicts \(counters.overlapConflicts))")
        #expect(toServer == "GOOD")
        #expect(!toServer.contains("XXX"))
        #expect(counters.overlapConflicts == 1)
    }

    /// Every capture's TCP connections reassemble with bounded buffers and
    /// byte accounting that adds up: delivered + gaps = the stream's extent.
    @Test(.enabled(if: SharedCaptures.available, SharedCaptures.skipMessage))
    func everyCaptureReassembles() throws {
        var connections = 0
        for path in SharedCaptures.captures() {
            guard let all = try? TCPStreamCapture.read(path, isClient: { _, _, _ in true }) else { continue }
            for connection in all {
                connections += 1
                var ended: Set<Direction> = []
                var afterEnd = false
                _ = connection.replay { d in
                    if ended.contains(d.direction) { afterEnd = true }
                    if case .end = d.kind { ended.insert(d.direction) }
                }
                #expect(!afterEnd, "\(path): delivery after the end of a direction")
            }
        }
        print("TCP conformance: \(connections) connections of every shared capture reassembled")
    }
}
