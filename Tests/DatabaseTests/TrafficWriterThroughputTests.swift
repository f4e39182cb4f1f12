import Database
import Foundation
import Records
import TestSupport
import Testing

/// Packets per second of the commit path (flow merge, events, totals, one
/// transaction per batch; the packets themselves are storage's packet index), printed, never asserted: numbers on
/// a shared 2-core machine vary with whatever else runs.
///
/// Input: every capture in ../shared/pcaps/large, or the file in
/// `$NETSIFT_STORE_BENCH_PCAP` (at most `$NETSIFT_STORE_BENCH_FRAMES`
/// frames, default 1,000,000). Decoding happens before the clock starts.
@Suite(.serialized, .enabled(if: PostgresTestServer.binariesInstalled, PostgresTestServer.skipMessage),
       .postgresServer("throughput"))
struct TrafficWriterThroughputTests {
    static let benchPath = ProcessInfo.processInfo.environment["NETSIFT_STORE_BENCH_PCAP"]
    static let benchFrames = ProcessInfo.processInfo.environment["NETSIFT_STORE_BENCH_FRAMES"].flatMap(Int.init) ?? 1_000_000
    static var hasInput: Bool { benchPath != nil || SharedCaptures.available }

    @Test(.enabled(if: hasInput, SharedCaptures.skipMessage), arguments: [500, 5000])
    func commitRowsPerSecond(framesPerBatch: Int) async throws {
        let paths = Self.benchPath.map { [$0] } ?? SharedCaptures.captures(in: "large")
        let report = try await TrafficDatabase.with("throughput") { conninfo in
            let writer = try TrafficWriter(conninfo: conninfo)
            var packets = 0, flows = 0, bytes: UInt64 = 0, batches = 0
            var seconds = 0.0
            for path in paths {
                let captureID = try writer.startCapture(sensor: testSensor, source: path)
                var decoded = try DecodedCapture.decode(path: path, captureID: captureID, framesPerBatch: framesPerBatch,
                                                        frameLimit: Self.benchFrames)
                // Partitions first: the clock measures the steady state.
                for batch in decoded.batches { try writer.ensurePartitions(for: batch) }
                for batch in decoded.batches {
                    let started = ContinuousClock.now
                    _ = try writer.commit(batch)
                    seconds += (ContinuousClock.now - started).seconds
                    packets += batch.packets.count
                    flows += batch.flows.count
                    bytes += batch.packets.reduce(0) { $0 + UInt64($1.capturedLength) }
                    batches += 1
                }
                decoded.batches.removeAll()
            }
            return (packets, flows, bytes, batches, seconds)
        }
        let (packets, flows, bytes, batches, seconds) = report
        let line = String(format: "TrafficWriter: %d packets + %d flow reports in %d batches of %d frames: %.3f s, %.0f packets/s (%.1f MB/s of captured data)",
                          packets, flows, batches, framesPerBatch, seconds, Double(packets) / max(seconds, 1e-9),
                          Double(bytes) / max(seconds, 1e-9) / 1e6)
        print(line)
        #expect(packets > 0)
    }
}

extension Duration {
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
