import Capture
import CaptureDecoding
import Foundation
import Messaging
import PostgresClient
import Records
import TestSupport
import Testing
import Wire

/// Real sockets, real PostgreSQL; storage and decoders on threads.
@Suite(.serialized, .postgresServer("pipeline"),
       .enabled(if: PostgresTestServer.binariesInstalled, PostgresTestServer.skipMessage))
struct InProcessPipelineTests {
    struct StoredCapture: Equatable {
        var packets: Int
        var bytes: Int64
        var frames: Set<Int64>
        /// (flow key, packets, bytes, community id, final) per flow.
        var flows: [String]
        var status: String
    }

    static func stored(_ captureID: UInt64, conninfo: String) throws -> StoredCapture {
        let db = try PostgresConnection(conninfo: conninfo)
        let id = Int64(captureID)
        let packets = try db.query("SELECT frame_number, caplen FROM packets WHERE capture_id = $1", [id])
        let flows = try db.query("""
            SELECT flow_key, src_packets + dst_packets, src_bytes + dst_bytes, community_id, final
            FROM flows WHERE capture_id = $1 ORDER BY flow_key
            """, [id])
        let status = try db.query("SELECT status FROM captures WHERE id = $1", [id]).scalar ?? "?"
        return StoredCapture(
            packets: packets.rows.count,
            bytes: packets.rows.reduce(0) { $0 + (Int64($1[1] ?? "0") ?? 0) },
            frames: Set(packets.rows.compactMap { Int64($0[0] ?? "") }),
            flows: flows.rows.map { $0.map { $0 ?? "∅" }.joined(separator: "|") },
            status: status)
    }

    /// Flow keys depend on the capture id; compare flows by everything else.
    static func withoutKeys(_ flows: [String]) -> [String] {
        flows.map { $0.split(separator: "|").dropFirst().joined(separator: "|") }.sorted()
    }

    static var sample: [String] {
        ["http", "dns", "ipv6", "icmp"].flatMap { SharedCaptures.captures(in: $0) }
    }

    @Test(.enabled(if: SharedCaptures.available, SharedCaptures.skipMessage))
    func ingestStoresEveryFrameOnceWithCapinfosTotals() throws {
        let server = try PostgresTestServer.require()
        let pipeline = try InProcessPipeline(server: server, decoders: 1)
        defer { pipeline.stop() }
        let paths = SharedCaptures.captures().prefix(12).map { $0 }
        let results = try pipeline.ingest(paths)
        #expect(results.count == paths.count)
        for result in results {
            let stored = try Self.stored(result.captureID, conninfo: server.conninfo)
            #expect(stored.packets == Int(result.summary.frames), "\(result.path)")
            #expect(stored.frames == Set((1 ... max(1, Int64(result.summary.frames))).prefix(Int(result.summary.frames))),
                    "\(result.path)")
            if let truth = SharedCaptures.capinfos(result.path) {
                #expect(UInt64(stored.packets) == truth.packets, "\(result.path)")
            }
            #expect(UInt64(stored.bytes) == result.summary.capturedBytes, "\(result.path)")
            #expect(result.totals?.status == (result.summary.isComplete ? "complete" : "failed"), "\(result.path)")
            #expect(stored.flows.allSatisfy { $0.hasSuffix("|t") }, "every flow final: \(result.path)")
        }
    }

    /// What decoders send storage is also PUBlished for live consumers.
    @Test func decodersPublishTheirRecords() throws {
        let server = try PostgresTestServer.require()
        let pipeline = try InProcessPipeline(server: server, decoders: 1)
        defer { pipeline.stop() }
        let subscriber = try Socket(pipeline.context, .sub, options: [.subscribe(Array("records.".utf8))])
        defer { subscriber.close() }
        try subscriber.connect(pipeline.events[0])
        Thread.sleep(forTimeInterval: 0.3)   // a SUB joining late misses what was published before
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("events-\(UUID()).pcap").path
        var writer = PcapWriter(linkType: .raw)
        for i in 0 ..< 300 {
            writer.append(timestamp: 1_700_000_000_000_000_000 + Int64(i) * 1_000_000,
                          frame: Build.ipv4(src: "10.0.0.\(i % 5 + 1)", dst: "10.9.9.9", proto: 17, payload: Build.udp()))
        }
        try Data(writer.bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let results = try pipeline.ingest([path])
        var packets = 0
        var ends: [CaptureEnd] = []
        let deadline = ContinuousClock.now + .seconds(10)
        while ends.isEmpty, ContinuousClock.now < deadline {
            guard let frames = try subscriber.receive(blocking: false) else {
                Thread.sleep(forTimeInterval: 0.01)
                continue
            }
            let message = try RecordsMessage(try Envelope(frames: frames))
            packets += message.packets.count
            ends += message.ends
        }
        #expect(packets == 300)
        #expect(ends == [CaptureEnd(captureID: results[0].captureID, frameCount: 300)])
    }

    @Test(.enabled(if: SharedCaptures.available, SharedCaptures.skipMessage))
    func twoDecodersStoreWhatOneDoes() throws {
        let server = try PostgresTestServer.require()
        let paths = Self.sample + SharedCaptures.captures().filter { $0.contains("frag") }.prefix(3)
        var byDecoders: [Int: [StoredCapture]] = [:]
        for count in [1, 2] {
            let pipeline = try InProcessPipeline(server: server, decoders: count)
            defer { pipeline.stop() }
            let results = try pipeline.ingest(paths)
            byDecoders[count] = try results.map { result in
                var stored = try Self.stored(result.captureID, conninfo: server.conninfo)
                stored.flows = Self.withoutKeys(stored.flows)
                return stored
            }
        }
        #expect(byDecoders[1] == byDecoders[2])
        #expect((byDecoders[1] ?? []).contains { !$0.flows.isEmpty })
    }
}
