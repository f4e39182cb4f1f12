import Database
import Dissection
import Foundation
import PostgresClient
import Records
import Storage
import TestSupport
import Testing
import Wire

/// `StorageEngine` alone, against a real server and a pcap store in a
/// temporary directory.
@Suite(.serialized, .postgresServer("engine"),
       .enabled(if: PostgresTestServer.binariesInstalled, PostgresTestServer.skipMessage))
struct StorageEngineTests {
    /// A batch that fails after its frames were put in flight (here: its
    /// capture is not known yet when the frame's segment is chosen) lets
    /// them go, so the same frames sent again are stored, not taken for
    /// copies already on their way and dropped.
    @Test func aFailedPrepareReleasesItsFrames() throws {
        let server = try PostgresTestServer.require()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("netsift-engine-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let engine = try StorageEngine(conninfo: server.conninfo, pcapRoot: root)
        defer { try? engine.close() }
        let sensor = SensorIdentity(id: UUID(), name: "engine-test")
        let earlier = try engine.writer.startCapture(sensor: sensor, source: "earlier")
        let captureID = earlier + 1  // the next capture's id, not started yet
        let time: Int64 = 1_700_000_000_000_000_000
        var frames = FrameBatch(captureID: captureID)
        frames.append(number: 1, timestamp: time, wireLength: 60, linkType: LinkType(rawValue: 1),
                      bytes: [UInt8](repeating: 0xAB, count: 60))
        let packet = PacketRecord(captureID: captureID, frameNumber: 1, timestamp: time, capturedLength: 60,
                                  wireLength: 60, linkType: 1)
        let message = RecordsMessage(RecordBatch(producer: UUID(), sequence: 1, packets: [packet]), frames: frames)

        #expect(throws: StorageError.self) { try engine.prepare(message, producer: UUID(), sequence: 1) }
        #expect(try engine.writer.startCapture(sensor: sensor, source: "late") == captureID)
        guard case .ready(let prepared) = try engine.prepare(message, producer: UUID(), sequence: 1) else {
            Issue.record("the batch was taken for one committed before")
            return
        }
        #expect(prepared.batch.packets.map(\.frameNumber) == [1])
        #expect(prepared.batch.packets.first?.pcapPosition != nil)
        #expect(engine.counters.framesResent == 0)
    }
}
