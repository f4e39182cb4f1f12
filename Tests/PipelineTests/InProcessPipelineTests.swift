import Capture
import CaptureDecoding
import Foundation
import Dissection
import Messaging
import PcapStore
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

    /// Every stored packet row has one entry in the committed runs of its
    /// capture's packet index, saying what the row says (fragments filed
    /// under their flow by a later batch included).
    @Test(.enabled(if: SharedCaptures.available, SharedCaptures.skipMessage))
    func thePacketIndexHoldsWhatThePacketRowsHold() throws {
        let server = try PostgresTestServer.require()
        let pipeline = try InProcessPipeline(server: server, decoders: 2)
        defer { pipeline.stop() }
        let paths = Self.sample + SharedCaptures.captures().filter { $0.contains("frag") || $0.contains("vlan") }.prefix(4)
        let results = try pipeline.ingest(paths)
        let db = try PostgresConnection(conninfo: server.conninfo)
        let reader = PacketIndexReader(root: pipeline.pcapRoot)
        var compared = 0
        for result in results {
            let id = Int64(result.captureID)
            var indexed: [UInt64: [PacketIndexEntry]] = [:]
            let runs = try db.query("""
                SELECT s.path, r.first_record, r.records, r.first_frame, r.last_frame, r.start_ns, r.end_ns
                FROM packet_runs r JOIN segments s ON s.id = r.segment_id WHERE r.capture_id = $1
                """, [id])
            for index in runs.rows.indices {
                let row = try #require(runs.row(index))
                let segment = try #require(SegmentID(relativePath: row.string(0) ?? ""))
                let first = UInt64(try #require(row.int64(1))), count = UInt64(try #require(row.int64(2)))
                let entries = try reader.entries(of: segment, records: first ..< first + count)
                #expect(entries.map(\.frameNumber).min() == row.int64(3).map(UInt64.init))
                #expect(entries.map(\.frameNumber).max() == row.int64(4).map(UInt64.init))
                #expect(entries.map(\.timestamp).min() == row.int64(5))
                #expect(entries.map(\.timestamp).max() == row.int64(6))
                for entry in entries { indexed[entry.frameNumber, default: []].append(entry) }
            }
            let packets = try db.query("""
                SELECT frame_number, ts_ns, flow_key, anomalies, segment_offset, caplen, wirelen, l2l, l3t, l3o, l3l,
                       l4t, l4o, l4l, l5o, l5l, src_port, dst_port, coalesce(array_to_string(vlan_ids, ','), ''),
                       host(src), host(dst)
                FROM packets WHERE capture_id = $1
                """, [id])
            #expect(indexed.count == packets.rows.count, "\(result.path)")
            for index in packets.rows.indices {
                let row = try #require(packets.row(index))
                let frame = UInt64(try #require(row.int64(0)))
                guard let entries = indexed[frame], entries.count == 1, let entry = entries.first else {
                    Issue.record("frame \(frame) of \(result.path): \(indexed[frame]?.count ?? 0) index entries")
                    continue
                }
                #expect(entry.timestamp == row.int64(1))
                #expect(entry.flowKey.map { Int64(bitPattern: $0) } == row.int64(2), "frame \(frame) of \(result.path)")
                #expect(Int64(bitPattern: entry.anomalies) == row.int64(3))
                #expect(entry.offset == row.int64(4).map(UInt64.init))
                let numbers: [Int64] = [Int64(entry.capturedLength), Int64(entry.wireLength), Int64(entry.layers.l2Length),
                                        Int64(entry.layers.l3Type), Int64(entry.layers.l3Offset), Int64(entry.layers.l3Length),
                                        Int64(entry.layers.l4Type), Int64(entry.layers.l4Offset), Int64(entry.layers.l4Length),
                                        Int64(entry.layers.l5Offset), Int64(entry.layers.l5Length)]
                #expect(numbers == (5 ... 15).map { row.int64($0) ?? -1 }, "frame \(frame) of \(result.path)")
                #expect(entry.sourcePort.map(Int64.init) == row.int64(16))
                #expect(entry.destinationPort.map(Int64.init) == row.int64(17))
                #expect(entry.vlans.ids.map(String.init).joined(separator: ",") == row.string(18))
                #expect(entry.source == row.string(19).flatMap(IPAddress.init), "frame \(frame) of \(result.path)")
                #expect(entry.destination == row.string(20).flatMap(IPAddress.init), "frame \(frame) of \(result.path)")
                compared += 1
            }
        }
        #expect(compared > 200)
    }
}
