import Database
import Formats
import Foundation
import PcapStore
import PostgresClient
import Records
@testable import Search
import TestSupport
import Testing

/// While a capture runs, decoders commit out of frame order: the last
/// frame a poll may report is the one before the first frame not committed,
/// read from the committed runs of the packet index.
@Suite(.enabled(if: PostgresTestServer.binariesInstalled, PostgresTestServer.skipMessage),
       .postgresServer("settled"))
struct SettledFrameTests {
    static let sensor = SensorIdentity(id: UUID(uuidString: "5E550000-0000-4000-8000-000000000017") ?? UUID(), name: "settled")
    static let time: Int64 = 1_700_000_000_000_000_000

    /// Commits runs of the given frames (each run one batch, in one segment), returns the settled frame after each.
    static func settled(after runs: [[UInt64]]) async throws -> [UInt64] {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("settled-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        return try await TrafficDatabase.with("settled") { conninfo in
            let writer = try TrafficWriter(conninfo: conninfo)
            let capture = try writer.startCapture(sensor: Self.sensor, source: "settled")
            let segment = SegmentID(key: SegmentKey(sensor: Self.sensor.id, capture: capture, linkType: .ethernet,
                                                    timestamp: Self.time), sequence: 1)
            try FileManager.default.createDirectory(atPath: root + "/" + segment.directory, withIntermediateDirectories: true)
            let row = try writer.segmentID(path: segment.relativePath, sensor: Self.sensor.id, captureID: capture,
                                           linkType: 1, day: UTCDay.string(segment.key.day))
            let packets = IndexedPackets(connection: writer.connection, reader: PacketIndexReader(root: root))
            var files = PacketIndexFiles(root: root)
            defer { files.close() }
            var settled: [UInt64] = []
            for (sequence, frames) in runs.enumerated() {
                var run: PacketRun?
                for frame in frames {
                    let record = try files.append(PacketIndexEntry(frameNumber: frame, timestamp: Self.time + Int64(frame)),
                                                  to: segment)
                    if run == nil {
                        run = PacketRun(segmentID: row, firstRecord: record, captureID: capture, frame: frame,
                                        time: Self.time + Int64(frame))
                    } else {
                        run?.extend(frame: frame, time: Self.time + Int64(frame))
                    }
                }
                let length = try #require(try files.sync()[segment])
                _ = try writer.commit(RecordBatch(producer: UUID(), sequence: UInt64(sequence)),
                                      segments: [SegmentLength(id: row, length: 0, indexLength: length)],
                                      runs: run.map { [$0] } ?? [])
                settled.append(try packets.settledFrame(capture: capture))
            }
            return settled
        }
    }

    @Test func theSettledFrameIsTheOneBeforeTheFirstGap() async throws {
        // Two decoders' runs interleave; frame 4 comes last.
        #expect(try await Self.settled(after: [[1, 3, 5], [2, 6, 7], [8, 9], [4]]) == [1, 3, 3, 9])
        #expect(try await Self.settled(after: [[2, 3], [1]]) == [0, 3])
        #expect(try await Self.settled(after: [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]) == [10])
        // Gaps in several runs' spans: the first one counts.
        #expect(try await Self.settled(after: [[1, 4], [2, 6], [3, 8], [5]]) == [1, 2, 4, 6])
    }
}
