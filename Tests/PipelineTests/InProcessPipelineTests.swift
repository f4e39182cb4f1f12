import Capture
import CaptureDecoding
import Foundation
import Dissection
import Messaging
import PcapStore
import PostgresClient
import Records
@testable import Search
import Storage
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

    static func stored(_ captureID: UInt64, conninfo: String, pcapRoot: String) throws -> StoredCapture {
        let db = try PostgresConnection(conninfo: conninfo)
        let id = Int64(captureID)
        let packets = try StoredPackets.all(db, pcapRoot: pcapRoot, capture: captureID).map(\.entry)
        let flows = try db.query("""
            SELECT flow_key, src_packets + dst_packets, src_bytes + dst_bytes, community_id, final
            FROM flows WHERE capture_id = $1 ORDER BY flow_key
            """, [id])
        let status = try db.query("SELECT status FROM captures WHERE id = $1", [id]).scalar ?? "?"
        return StoredCapture(
            packets: packets.count,
            bytes: packets.reduce(0) { $0 + Int64($1.capturedLength) },
            frames: Set(packets.map { Int64($0.frameNumber) }),
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
            let stored = try Self.stored(result.captureID, conninfo: server.conninfo, pcapRoot: pipeline.pcapRoot)
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
                var stored = try Self.stored(result.captureID, conninfo: server.conninfo, pcapRoot: pipeline.pcapRoot)
                stored.flows = Self.withoutKeys(stored.flows)
                return stored
            }
        }
        #expect(byDecoders[1] == byDecoders[2])
        #expect((byDecoders[1] ?? []).contains { !$0.flows.isEmpty })
    }

    /// Every frame a capture holds has one entry in the committed runs of
    /// its packet index, saying what the decoder said of it (fragments
    /// filed under their flow by a later batch included), pointing at its
    /// record in the pcap store.
    @Test(.enabled(if: SharedCaptures.available, SharedCaptures.skipMessage))
    func thePacketIndexHoldsWhatTheDecoderSaid() throws {
        let server = try PostgresTestServer.require()
        let pipeline = try InProcessPipeline(server: server, decoders: 2, batchPackets: 7)
        defer { pipeline.stop() }
        let paths = Self.sample + SharedCaptures.captures().filter { $0.contains("frag") || $0.contains("vlan") }.prefix(4)
        let results = try pipeline.ingest(paths)
        let db = try PostgresConnection(conninfo: server.conninfo)
        let reader = PacketIndexReader(root: pipeline.pcapRoot)
        var compared = 0, linked = 0
        for result in results {
            let id = Int64(result.captureID)
            var indexed: [UInt64: [(SegmentID, PacketIndexEntry)]] = [:]
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
                for entry in entries { indexed[entry.frameNumber, default: []].append((segment, entry)) }
            }
            let decoded = try DecodedCapture.decode(path: result.path, captureID: result.captureID, framesPerBatch: 7)
            var expected: [UInt64: PacketRecord] = [:]
            for batch in decoded.batches { for packet in batch.packets { expected[packet.frameNumber] = packet } }
            for batch in decoded.batches {
                for link in batch.links {
                    expected[link.frame]?.flowKey = link.flowKey
                    linked += 1
                }
            }
            #expect(indexed.count == expected.count, "\(result.path)")
            for (frame, packet) in expected {
                guard let found = indexed[frame], found.count == 1, let (segment, entry) = found.first else {
                    Issue.record("frame \(frame) of \(result.path): \(indexed[frame]?.count ?? 0) index entries")
                    continue
                }
                #expect(entry.timestamp == packet.timestamp)
                #expect(entry.flowKey == packet.flowKey, "frame \(frame) of \(result.path)")
                #expect(entry.anomalies == packet.anomalies.rawValue)
                let numbers: [Int64] = [Int64(entry.capturedLength), Int64(entry.wireLength), Int64(entry.layers.l2Length),
                                        Int64(entry.layers.l3Type), Int64(entry.layers.l3Offset), Int64(entry.layers.l3Length),
                                        Int64(entry.layers.l4Type), Int64(entry.layers.l4Offset), Int64(entry.layers.l4Length),
                                        Int64(entry.layers.l5Offset), Int64(entry.layers.l5Length)]
                let truth: [Int64] = [Int64(packet.capturedLength), Int64(packet.wireLength), Int64(packet.l2Length),
                                      Int64(packet.l3Type), Int64(packet.l3Offset), Int64(packet.l3Length),
                                      Int64(packet.l4Type), Int64(packet.l4Offset), Int64(packet.l4Length),
                                      Int64(packet.l5Offset), Int64(packet.l5Length)]
                #expect(numbers == truth, "frame \(frame) of \(result.path)")
                #expect(entry.sourcePort == packet.sourcePort)
                #expect(entry.destinationPort == packet.destinationPort)
                #expect(entry.vlans == packet.vlans)
                #expect(entry.source == packet.source, "frame \(frame) of \(result.path)")
                #expect(entry.destination == packet.destination, "frame \(frame) of \(result.path)")
                // The pcap record the entry points at: its header's lengths.
                let stored = try PcapStoreReader(root: pipeline.pcapRoot).read(
                    PacketPosition(segment: segment, offset: entry.offset, length: entry.capturedLength + 16))
                #expect(stored.bytes.count == Int(packet.capturedLength), "frame \(frame) of \(result.path)")
                compared += 1
            }
        }
        #expect(compared > 200 && linked > 0, "\(compared) frames, \(linked) links")
    }
}

/// A data directory from before the packet index keeps its packets as rows.
/// Storage writes them into the index when it starts, then drops the rows'
/// table: every packet reads back as the index would have held it.
@Suite(.serialized, .postgresServer("legacy"),
       .enabled(if: PostgresTestServer.binariesInstalled && SharedCaptures.available, PostgresTestServer.skipMessage))
struct LegacyPacketsTests {
    @Test func packetRowsOfAnOlderDataDirectoryMoveIntoTheIndex() throws {
        let server = try PostgresTestServer.require()
        let pipeline = try InProcessPipeline(server: server, decoders: 2)
        let results = try pipeline.ingest(InProcessPipelineTests.sample)
        pipeline.stop()
        let db = try PostgresConnection(conninfo: server.conninfo)
        let before = try StoredPackets.all(db, pcapRoot: pipeline.pcapRoot)
        #expect(before.count > 200)

        // Made old: the rows as they were, no runs, no index files, no index lengths.
        try StoredPackets.loadTable(db, pcapRoot: pipeline.pcapRoot)
        try db.execute("CREATE TABLE legacy_packets AS SELECT * FROM pg_temp.packets")
        try db.execute("DROP TABLE pg_temp.packets")
        let segments = try db.query("SELECT path FROM segments").rows.compactMap { $0[0] ?? nil }
        for path in segments {
            let id = try #require(SegmentID(relativePath: path))
            try? FileManager.default.removeItem(atPath: pipeline.pcapRoot + "/" + id.indexRelativePath)
        }
        try db.execute("DELETE FROM packet_runs; UPDATE segments SET committed_index_length = 0")
        #expect(try StoredPackets.all(db, pcapRoot: pipeline.pcapRoot).isEmpty)

        let storage = try StorageEngine(conninfo: server.conninfo, pcapRoot: pipeline.pcapRoot)
        try storage.close()
        #expect(storage.upgradedPackets == before.count)
        #expect(try StoredPackets.all(db, pcapRoot: pipeline.pcapRoot) == before)
        #expect(try db.query("SELECT to_regclass('legacy_packets') IS NULL").row(0)?.bool(0) == true)
        // Searches read them again.
        let engine = try SearchEngine(conninfo: server.conninfo, pcapRoot: pipeline.pcapRoot)
        let capture = try #require(results.first?.captureID)
        let page = try #require(try engine.packetPage(capture: capture, after: 0, limit: 1_000))
        #expect(page.packets.map(\.frame) == before.filter { $0.capture == capture }.prefix(1_000).map(\.entry.frameNumber))
        // A second start has nothing to do.
        let again = try StorageEngine(conninfo: server.conninfo, pcapRoot: pipeline.pcapRoot)
        try again.close()
        #expect(again.upgradedPackets == 0)
    }
}

/// Downloads of a capture and of a flow list every stored frame of it, in
/// frame order, where the packet index says it lies, and plan the file's
/// size from the same frames.
@Suite(.serialized, .postgresServer("downloads"),
       .enabled(if: PostgresTestServer.binariesInstalled && SharedCaptures.available, PostgresTestServer.skipMessage))
struct DownloadFramesTests {
    @Test func capturesAndFlowsListTheirStoredFrames() throws {
        let server = try PostgresTestServer.require()
        let pipeline = try InProcessPipeline(server: server, decoders: 2)
        let results = try pipeline.ingest(InProcessPipelineTests.sample + SharedCaptures.captures(in: "fragments").prefix(2))
        pipeline.stop()
        let db = try PostgresConnection(conninfo: server.conninfo)
        let engine = try SearchEngine(conninfo: server.conninfo, pcapRoot: pipeline.pcapRoot)
        let stored = try StoredPackets.all(db, pcapRoot: pipeline.pcapRoot)
        func frames(_ target: QueryMessage.ExportTarget, limit: Int) throws -> [QueryMessage.ExportFrame] {
            var all: [QueryMessage.ExportFrame] = []
            while true {
                let page = try engine.exportFrames(target, after: all.last?.cursor ?? .start, limit: limit)
                all += page
                if page.count < limit { return all }
            }
        }
        func expected(_ packets: [StoredPackets.Stored]) -> [QueryMessage.ExportFrame] {
            packets.map { packet in
                QueryMessage.ExportFrame(
                    capture: packet.capture, frame: packet.entry.frameNumber, time: packet.entry.timestamp,
                    linkType: packet.segment.key.linkType.rawValue,
                    position: QueryMessage.StoredPosition(segment: packet.segment.relativePath, offset: packet.entry.offset,
                                                          length: packet.entry.capturedLength + 16))
            }
        }
        var flowsChecked = 0
        for result in results {
            let mine = stored.filter { $0.capture == result.captureID }
            let plan = try #require(try engine.exportPlan(.scope(.capture(result.captureID))))
            #expect(plan.packets == UInt64(mine.count) && plan.fixedFrames?.frames == UInt64(mine.count), "\(result.path)")
            #expect(plan.fixedFrames?.capturedBytes == mine.reduce(0) { $0 + UInt64($1.entry.capturedLength) })
            #expect(try frames(.scope(.capture(result.captureID)), limit: 7) == expected(mine), "\(result.path)")
            let flows = try db.query("SELECT id, flow_key, src_packets + dst_packets FROM flows WHERE capture_id = $1 ORDER BY id LIMIT 5",
                                     [Int64(result.captureID)])
            for index in flows.rows.indices {
                let row = try #require(flows.row(index))
                let id = UInt64(try #require(row.int64(0))), key = UInt64(bitPattern: try #require(row.int64(1)))
                let ofFlow = mine.filter { $0.entry.flowKey == key }
                let flowPlan = try #require(try engine.exportPlan(.scope(.flow(id))))
                #expect(flowPlan.packets == UInt64(try #require(row.int64(2))) && flowPlan.packets == UInt64(ofFlow.count))
                #expect(flowPlan.fixedFrames?.frames == UInt64(ofFlow.count))
                #expect(try frames(.scope(.flow(id)), limit: 3) == expected(ofFlow), "flow \(id) of \(result.path)")
                flowsChecked += 1
            }
        }
        #expect(flowsChecked > 20)
        #expect(try engine.exportPlan(.scope(.flow(99_999_999))) == nil)
        #expect(try engine.exportPlan(.scope(.capture(99_999))) == nil)
    }
}
