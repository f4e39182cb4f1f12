import Database
import Foundation
import Records
import TestSupport
import Testing

/// Rows per second of the commit path (binary COPY of packets, flow merge,
/// totals, one transaction per batch), printed, never asserted: numbers on
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
            var seconds = 0.0, copySeconds = 0.0, encodeSeconds = 0.0
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
                // The COPY alone: the same rows again under a fresh batch id, into a bare copy of the table.
                try writer.connection.execute("""
                    CREATE TEMP TABLE IF NOT EXISTS packets_copy_only (LIKE packets); TRUNCATE packets_copy_only
                    """)
                let started = ContinuousClock.now
                let rows = decoded.batches.flatMap(\.packets)
                let encodeStarted = ContinuousClock.now
                let stream = TrafficWriter.encodePackets(rows, batchID: 1)
                encodeSeconds += (ContinuousClock.now - encodeStarted).seconds
                try writer.connection.copyIn(
                    sql: "COPY packets_copy_only (\(TrafficWriter.packetColumns)) FROM STDIN (FORMAT binary)",
                    chunks: [stream])
                copySeconds += (ContinuousClock.now - started).seconds
                decoded.batches.removeAll()
            }
            return (packets, flows, bytes, batches, seconds, copySeconds, encodeSeconds)
        }
        let (packets, flows, bytes, batches, seconds, copySeconds, encodeSeconds) = report
        let line = String(format: "TrafficWriter: %d packets + %d flow reports in %d batches of %d frames: %.3f s, %.0f packet rows/s (%.1f MB/s of captured data); encode + binary COPY of the same rows into an unindexed temp table: %.0f rows/s (encoding alone %.0f rows/s)",
                          packets, flows, batches, framesPerBatch, seconds, Double(packets) / max(seconds, 1e-9),
                          Double(bytes) / max(seconds, 1e-9) / 1e6, Double(packets) / max(copySeconds, 1e-9),
                          Double(packets) / max(encodeSeconds, 1e-9))
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
