@testable import Database
import Dissection
import Events
import Flows
import Foundation
@testable import PostgresClient
import Protocols
import Records
import TestSupport
import Testing

/// `TrafficWriter` against a real server: captures from ../shared/pcaps
/// decoded into batches of 500 frames and committed.
@Suite(.enabled(if: PostgresTestServer.binariesInstalled, PostgresTestServer.skipMessage),
       .postgresServer("writer"))
struct TrafficWriterTests {
    /// What storage holds for one capture, read back in SQL.
    /// What the writer keeps of a capture: its totals (packets live in the
    /// packet index, which storage writes), flows and events.
    struct Stored: Sendable, Equatable {
        var packets: Int64
        var capturedBytes: Int64
        var wireBytes: Int64
        var flows: [[String?]]
        /// Each stored event's document in canonical form without its id, sorted.
        var events: [String]
    }

    /// JSON re-serialised with sorted keys, whatever its spacing and key
    /// order; a stored event's document without its id (`netsift.event`).
    static func canonical(_ json: Data, droppingEventID: Bool = false) -> String? {
        guard var object = try? JSONSerialization.jsonObject(with: json) else { return nil }
        if droppingEventID, var document = object as? [String: Any], var netsift = document["netsift"] as? [String: Any] {
            netsift["event"] = nil
            document["netsift"] = netsift
            object = document
        }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// An event document as storage keeps it (NULs replaced), canonical.
    static func document(_ event: EventRecord) -> String? {
        var clean = event
        clean.fields = EncodedFields(clean.fields.values().map(\.withoutNUL))
        return canonical(Data(EventDocument.bytes(clean)))
    }

    static func stored(_ connection: PostgresConnection, captureID: UInt64) throws -> Stored {
        let id = Int64(captureID)
        let row = try #require(try connection.query(
            "SELECT packets, bytes, wire_bytes FROM captures WHERE id = $1", [id]).row(0))
        let flows = try connection.query("""
            SELECT flow_key, src_packets, src_bytes, src_wire_bytes, dst_packets, dst_bytes, dst_wire_bytes,
                   src_tcp_flags, dst_tcp_flags, final, reason, community_id, start_ns, end_ns, first_frame
            FROM flows WHERE capture_id = $1 ORDER BY flow_key
            """, [id]).rows
        var events: [String] = []
        for table in EventTable.all {
            let selection = EventSelection([table])
            let rows = try connection.query("SELECT \(selection.columns(of: table)) FROM \(table.name) e WHERE capture_id = $1",
                                            [id])
            for index in rows.rows.indices {
                guard let row = rows.row(index) else { continue }
                events += canonical(Data(try selection.event(row).document.utf8), droppingEventID: true).map { [$0] } ?? []
            }
        }
        events.sort()
        return Stored(packets: row.int64(0) ?? -1, capturedBytes: row.int64(1) ?? -1, wireBytes: row.int64(2) ?? -1,
                      flows: flows, events: events)
    }

    /// The decoder's final reports in the shape of `stored(...).flows`.
    static func expectedFlows(_ decoded: DecodedCapture) -> [[String?]] {
        decoded.finalReports.values.sorted { Int64(bitPattern: $0.flowKey) < Int64(bitPattern: $1.flowKey) }.map { f in
            [String(Int64(bitPattern: f.flowKey)),
             String(f.fromSource.packets), String(f.fromSource.capturedBytes), String(f.fromSource.wireBytes),
             String(f.fromDestination.packets), String(f.fromDestination.capturedBytes),
             String(f.fromDestination.wireBytes),
             String(f.fromSource.tcpFlags), String(f.fromDestination.tcpFlags), f.isFinal ? "t" : "f",
             f.reason.rawValue, f.communityID, String(f.start), String(f.end), String(f.firstFrame)]
        }
    }

    struct Ingested: Sendable {
        var path: String
        var captureID: UInt64
        var frames: UInt64
        var capturedBytes: UInt64
        var wireBytes: UInt64
        var readToEnd: Bool
        var capinfos: [UInt64]?
        var stored: Stored
        var expectedFlows: [[String?]]
        var expectedEvents: [String]
        var finalReportCount: Int
        var summary: CaptureSummary?
        var results: [TrafficWriter.CommitResult]
    }

    /// Starts a capture, decodes the file into batches, commits them all,
    /// then records the end marker.
    static func ingest(_ path: String, writer: TrafficWriter, producer: UUID = UUID()) throws -> (Ingested, DecodedCapture) {
        let captureID = try writer.startCapture(sensor: testSensor, source: path)
        let decoded = try DecodedCapture.decode(path: path, captureID: captureID, producer: producer)
        let results = try decoded.batches.map { try writer.commit($0) }
        try writer.endCapture(captureID, expectedFrames: decoded.stats.frames)
        let capinfos = SharedCaptures.capinfos(path).map { [$0.packets, $0.bytes] }
        let ingested = Ingested(path: path, captureID: captureID, frames: decoded.stats.frames,
                                capturedBytes: decoded.stats.capturedBytes,
                                wireBytes: decoded.stats.wireBytes, readToEnd: decoded.readToEnd,
                                capinfos: capinfos, stored: try stored(writer.connection, captureID: captureID),
                                expectedFlows: expectedFlows(decoded),
                                expectedEvents: decoded.batches.flatMap(\.events).compactMap(Self.document).sorted(),
                                finalReportCount: decoded.reports.filter(\.isFinal).count,
                                summary: try writer.capture(captureID), results: results)
        return (ingested, decoded)
    }

    @Test(.enabled(if: SharedCaptures.available, SharedCaptures.skipMessage))
    func everySharedCaptureIsStoredWhole() async throws {
        let paths = SharedCaptures.captures()
        #expect(!paths.isEmpty)
        let ingested = try await TrafficDatabase.with("every") { conninfo in
            let writer = try TrafficWriter(conninfo: conninfo)
            return try paths.map { try Self.ingest($0, writer: writer).0 }
        }
        for capture in ingested {
            let name = (capture.path as NSString).lastPathComponent
            #expect(capture.stored.packets == Int64(capture.frames), "\(name): packets counted")
            #expect(capture.stored.capturedBytes == Int64(capture.capturedBytes), "\(name): sum(caplen)")
            #expect(capture.stored.wireBytes == Int64(capture.wireBytes), "\(name): sum(wirelen)")
            // capinfos' "data size" sums original (wire) lengths: tshark's
            // sum of frame.len, not of frame.cap_len, on snaplen-cut files.
            if capture.readToEnd, let capinfos = capture.capinfos {
                #expect(capinfos == [UInt64(capture.stored.packets), UInt64(capture.stored.wireBytes)],
                        "\(name): capinfos packets and data size")
            }
            #expect(capture.stored.flows == capture.expectedFlows, "\(name): flows equal the final reports")
            #expect(capture.stored.events == capture.expectedEvents, "\(name): events as decoded")
            #expect(capture.finalReportCount == capture.expectedFlows.count, "\(name): one final report per flow")
            #expect(capture.summary?.status == .complete, "\(name): status")
            #expect(capture.summary?.packets == capture.frames, "\(name): capture total packets")
            #expect(capture.summary?.bytes == capture.capturedBytes, "\(name): capture total bytes")
            #expect(capture.results.allSatisfy { $0 != TrafficWriter.CommitResult.duplicate }, "\(name): no batch seen as duplicate")
        }
    }

    @Test(.enabled(if: SharedCaptures.available, SharedCaptures.skipMessage))
    func totalsMatchTheDecoderAndRecommittingIsANoOp() async throws {
        let path = SharedCaptures.path("large/sv_tls-subjectaltname.pcap")
        let (ingested, decoded, again, storedAgain, batchRows, summaryAgain, dense) =
            try await TrafficDatabase.with("resend") { conninfo in
                let writer = try TrafficWriter(conninfo: conninfo)
                let (ingested, decoded) = try Self.ingest(path, writer: writer)
                let again = try decoded.batches.map { try writer.commit($0) }
                let storedAgain = try Self.stored(writer.connection, captureID: ingested.captureID)
                let batchRows = try writer.connection.int64("SELECT count(*) FROM batches")
                let summaryAgain = try writer.capture(ingested.captureID)
                let dense = try writer.connection.query("SELECT min(id), max(id), count(*) FROM flows").rows
                return (ingested, decoded, again, storedAgain, batchRows, summaryAgain, dense)
            }
        #expect(decoded.batches.count == Int((decoded.stats.frames + 499) / 500))
        #expect(again.allSatisfy { $0 == TrafficWriter.CommitResult.duplicate })
        #expect(storedAgain == ingested.stored)
        #expect(batchRows == Int64(decoded.batches.count))
        #expect(summaryAgain == ingested.summary)
        let stats = decoded.stats
        let summary = try #require(ingested.summary)
        #expect([summary.packets, summary.bytes, summary.wireBytes, summary.ipv4, summary.ipv6,
                  summary.tcp, summary.udp, summary.icmp]
                == [stats.frames, stats.capturedBytes, stats.wireBytes, stats.ipv4, stats.ipv6,
                    stats.tcp, stats.udp, stats.icmp])
        #expect(ingested.stored.wireBytes == Int64(stats.wireBytes))
        // One API id per flow, no gaps, though periodic reports updated rows.
        #expect(decoded.reports.count > ingested.expectedFlows.count)
        #expect(dense == [["1", String(ingested.expectedFlows.count), String(ingested.expectedFlows.count)]])
        // Batch ids are the new-data cursor: increasing in commit order.
        let ids = ingested.results.compactMap { result -> Int64? in
            if case .committed(let id) = result { return id } else { return nil }
        }
        #expect(ids == ids.sorted() && Set(ids).count == ids.count && ids.count == decoded.batches.count)
    }

    @Test(.enabled(if: SharedCaptures.available, SharedCaptures.skipMessage))
    func rowsOf2004LandIn2004Partitions() async throws {
        let path = SharedCaptures.path("dhcp/ark_wireshark-dhcp.pcap")
        let (eventTables, flowTables, ingested) = try await TrafficDatabase.with("old") { conninfo in
            let writer = try TrafficWriter(conninfo: conninfo)
            let (ingested, _) = try Self.ingest(path, writer: writer)
            let events = try writer.connection.query(
                "SELECT DISTINCT tableoid::regclass::text FROM dhcp_events WHERE capture_id = $1",
                [Int64(ingested.captureID)]).rows.compactMap { $0[0] }
            let flows = try writer.connection.query(
                "SELECT DISTINCT tableoid::regclass::text FROM flows WHERE capture_id = $1",
                [Int64(ingested.captureID)]).rows.compactMap { $0[0] }
            return (events, flows, ingested)
        }
        #expect(ingested.stored.packets == 4)
        // 2004 is far from today: one partition for its year.
        #expect(eventTables == ["dhcp_events_20040101_20050101"])
        #expect(flowTables == ["flows_20040101_20050101"])
    }

    @Test func aFailingBatchLeavesNothing() async throws {
        let outcome = try await TrafficDatabase.with("failing") { conninfo in
            let writer = try TrafficWriter(conninfo: conninfo)
            let captureID = try writer.startCapture(sensor: testSensor, source: "synthetic")
            let producer = UUID()
            let time: Int64 = 1_700_000_000_000_000_000
            let good = (1...3).map { Self.packet(captureID: captureID, frame: $0, time: time + Int64($0)) }
            let flow = Self.flow(captureID: captureID, key: 42, start: time, packets: 3, final: false)
            // A run of index records twice: the primary key rejects it in the middle of the COPY.
            let run = PacketRun(segmentID: 1, firstRecord: 0, captureID: captureID, frame: 1, time: time)
            let bad = RecordBatch(producer: producer, sequence: 1,
                                  covers: [SequenceRange(producer: producer, first: 1, last: 3)],
                                  packets: good, flows: [flow])
            let failure = capture { _ = try writer.commit(bad, runs: [run, run]) }
            let afterFailure = try Self.counts(writer.connection)
            let totals = try writer.capture(captureID)
            // A packet of a capture storage never started: rejected after the COPY.
            let orphan = RecordBatch(producer: producer, sequence: 2,
                                     packets: [Self.packet(captureID: captureID + 100, frame: 1, time: time)])
            let orphanFailure = capture { _ = try writer.commit(orphan) }
            let afterOrphan = try Self.counts(writer.connection)
            // The same (producer, sequence), fixed, is not a duplicate: the failure left no trace.
            let fixed = RecordBatch(producer: producer, sequence: 1, packets: good, flows: [flow])
            let result = try writer.commit(fixed, runs: [run])
            return (failure, afterFailure, totals, orphanFailure, afterOrphan, result, try Self.counts(writer.connection))
        }
        #expect(outcome.0?.sqlState == "23505")
        #expect(outcome.1 == [0, 0, 0, 0])
        #expect(outcome.2?.packets == 0)
        #expect(outcome.3?.kind == .invalidArgument)
        #expect(outcome.4 == [0, 0, 0, 0])
        #expect(outcome.5 != .duplicate)
        #expect(outcome.6 == [1, 1, 1, 0])
    }

    @Test func flowReportsMergeIntoOneRow() async throws {
        let rows = try await TrafficDatabase.with("merge") { conninfo in
            let writer = try TrafficWriter(conninfo: conninfo)
            let captureID = try writer.startCapture(sensor: testSensor, source: "synthetic")
            let producer = UUID()
            let start: Int64 = 1_700_000_000_000_000_000
            let period = Self.flow(captureID: captureID, key: 7, start: start, packets: 2, final: false)
            let later = Self.flow(captureID: captureID, key: 7, start: start, packets: 5, final: false)
            let final = Self.flow(captureID: captureID, key: 7, start: start, packets: 9, final: true)
            let other = Self.flow(captureID: captureID, key: UInt64.max, start: start - 1, packets: 1, final: true)
            // Two reports of one flow in one batch: the later wins.
            _ = try writer.commit(RecordBatch(producer: producer, sequence: 1, flows: [period, later, other]))
            let afterFirst = try writer.connection.query(
                "SELECT id, flow_key::text, src_packets, final FROM flows ORDER BY id").rows
            _ = try writer.commit(RecordBatch(producer: producer, sequence: 2, flows: [final]))
            // A stale report re-sent by a restarted decoder does not undo the final one.
            _ = try writer.commit(RecordBatch(producer: UUID(), sequence: 1, flows: [later]))
            let afterAll = try writer.connection.query(
                "SELECT id, flow_key::text, src_packets, final, reason FROM flows ORDER BY id").rows
            return (afterFirst, afterAll)
        }
        #expect(rows.0 == [["1", "7", "5", "f"], ["2", "-1", "1", "t"]])
        #expect(rows.1 == [["1", "7", "9", "t", "end"], ["2", "-1", "1", "t", "end"]])
    }

    /// A flow's later report updates its row in place: the row keeps the
    /// batch that inserted it, the later batch lists the flow in
    /// `flow_updates`, and the update writes no index entry (HOT), which
    /// `pg_stat_user_tables` counts.
    @Test func laterReportsUpdateFlowsInPlace() async throws {
        let (batches, listed, updates) = try await TrafficDatabase.with("flowhot") { conninfo in
            let writer = try TrafficWriter(conninfo: conninfo)
            let captureID = try writer.startCapture(sensor: testSensor, source: "synthetic")
            let day: Int64 = 1_700_006_400_000_000_000
            let producer = UUID()
            let keys = Array(UInt64(1) ... 200)
            let first = try writer.commit(RecordBatch(producer: producer, sequence: 1, flows: keys.map {
                Self.flow(captureID: captureID, key: $0, start: day + Int64($0), packets: 1, final: false)
            }))
            let later = try writer.commit(RecordBatch(producer: producer, sequence: 2, flows: keys.map {
                Self.flow(captureID: captureID, key: $0, start: day + Int64($0), packets: 3, final: true)
            }))
            let connection = writer.connection
            let batches = try connection.query("SELECT DISTINCT batch_id FROM flows").rows.compactMap { $0[0] ?? nil }
            let listed = try connection.query("""
                SELECT u.batch_id, k.key, k.start FROM flow_updates u, unnest(u.flow_keys, u.starts) AS k(key, start)
                ORDER BY k.key
                """).rows.map { $0.map { $0 ?? "NULL" } }
            try connection.query("SELECT pg_stat_force_next_flush()")
            try connection.query("SELECT 1")
            let updates = try connection.query("""
                SELECT sum(n_tup_upd)::text, sum(n_tup_hot_upd)::text FROM pg_stat_user_tables WHERE relname LIKE 'flows\\_%'
                """).rows.first.map { $0.map { $0 ?? "NULL" } }
            return ([first, later].map { "\($0)" } + batches, listed, updates)
        }
        #expect(batches == ["committed(batchID: 1)", "committed(batchID: 2)", "1"])
        #expect(listed == (1 ... 200).map { ["2", "\($0)", "\(1_700_006_400_000_000_000 + $0)"] })
        #expect(updates == ["200", "200"])
    }

    /// The merge finds the flows of a batch by key: with a large day of
    /// flows stored (never analyzed, as during an ingest) and a batch whose
    /// reports started across that day, neither statement hashes or scans
    /// the day's partition, a cost per batch that would grow with the
    /// day's flows.
    @Test func flowMergeProbesByKey() async throws {
        let plans = try await TrafficDatabase.with("mergeplan") { conninfo in
            let writer = try TrafficWriter(conninfo: conninfo)
            let captureID = try writer.startCapture(sensor: testSensor, source: "synthetic")
            let day: Int64 = 1_700_006_400_000_000_000
            _ = try writer.commit(RecordBatch(producer: UUID(), sequence: 1, flows: [
                Self.flow(captureID: captureID, key: 1, start: day, packets: 1, final: true),
            ]))
            try writer.connection.query("""
                INSERT INTO flows (\(TrafficWriter.flowColumns), batch_id)
                SELECT g * 7919, $2::bigint + g * 250000000, $1::bigint, $2::bigint + g * 250000000 + 1, g, 1, 60, 60, 0, 0, 0, 40000, 80,
                       2, 0, 6, true, 'end', '1:synthetic=', '10.0.0.1', '10.0.0.2', NULL, 1
                FROM generate_series(2::bigint, 300000) AS g
                """, [Int64(captureID), day])
            return try writer.connection.transaction { connection -> [String] in
                try connection.execute("""
                    INSERT INTO flow_reports_in (\(TrafficWriter.flowColumns))
                    SELECT \(TrafficWriter.flowColumns) FROM flows WHERE first_frame % 500 = 0
                    """)
                return try [TrafficWriter.updateFlows, TrafficWriter.insertFlows].map { sql in
                    try connection.query("EXPLAIN " + sql, [1]).rows.compactMap { $0.first ?? nil }.joined(separator: "\n")
                }
            }
        }
        #expect(plans.count == 2)
        for plan in plans {
            #expect(plan.contains("Index") && !plan.contains("Hash") && !plan.contains("Seq Scan on flows_"), "\(plan)")
        }
    }

    /// A running capture nothing came for is abandoned; anything more from
    /// its producer makes it running again, and its end completes it.
    @Test func idleCapturesAreAbandonedAndRevive() async throws {
        let (statuses, abandoned) = try await TrafficDatabase.with("abandon") { conninfo in
            let writer = try TrafficWriter(conninfo: conninfo)
            let time: Int64 = 1_600_000_000_000_000_000
            let idle = try writer.startCapture(sensor: testSensor, source: "idle")
            let busy = try writer.startCapture(sensor: testSensor, source: "busy")
            try writer.connection.query("UPDATE captures SET last_activity = now() - interval '1 hour' WHERE id = $1",
                                        [Int64(idle)])
            let abandoned = try writer.abandonIdleCaptures(idle: .seconds(600))
            let first = try writer.capture(idle)?.status
            _ = try writer.commit(RecordBatch(producer: UUID(), sequence: 1,
                                              packets: [Self.packet(captureID: idle, frame: 1, time: time)]))
            let revived = try writer.capture(idle)?.status
            try writer.connection.query("UPDATE captures SET status = 'abandoned' WHERE id = $1", [Int64(idle)])
            let ended = try writer.endCapture(idle, expectedFrames: 1).status
            return ([first, revived, ended, try writer.capture(busy)?.status], abandoned == [idle])
        }
        #expect(statuses == [.abandoned, .running, .complete, .running])
        #expect(abandoned)
    }

    @Test func captureStatusFollowsTheEndMarker() async throws {
        let statuses = try await TrafficDatabase.with("status") { conninfo in
            let writer = try TrafficWriter(conninfo: conninfo)
            let producer = UUID()
            let time: Int64 = 1_600_000_000_000_000_000
            // The end marker arrives before the last batch: complete when that batch commits.
            let early = try writer.startCapture(sensor: testSensor, source: "early", runID: UUID())
            _ = try writer.commit(RecordBatch(producer: producer, sequence: 1,
                                              packets: [Self.packet(captureID: early, frame: 1, time: time)]))
            let waiting = try writer.endCapture(early, expectedFrames: 2)
            _ = try writer.commit(RecordBatch(producer: producer, sequence: 2,
                                              packets: [Self.packet(captureID: early, frame: 2, time: time + 1)]))
            let done = try writer.capture(early)
            // More frames stored than the marker says: failed, with the reason.
            let over = try writer.startCapture(sensor: testSensor, source: "over")
            _ = try writer.commit(RecordBatch(producer: producer, sequence: 3,
                                              packets: (1...3).map { Self.packet(captureID: over, frame: $0, time: time) }))
            let tooMany = try writer.endCapture(over, expectedFrames: 2)
            // Given up explicitly.
            let broken = try writer.startCapture(sensor: testSensor, source: "broken")
            let failed = try writer.failCapture(broken, reason: "truncated file after frame 0")
            let failedAgain = try writer.endCapture(broken, expectedFrames: 0)
            return [waiting, done, tooMany, failed, failedAgain].map { ($0?.status, $0?.failureReason) }
        }
        #expect(statuses.map(\.0) == [.running, .complete, .failed, .failed, .failed])
        #expect(statuses[2].1 == "stored 3 frames but the end marker says 2")
        #expect(statuses[3].1 == "truncated file after frame 0")
        #expect(statuses[4].1 == "truncated file after frame 0")
    }

    /// A restarted decoder decodes the capture again and numbers its events
    /// the same: committed by a new producer, every event is found stored.
    @Test(.enabled(if: SharedCaptures.available, SharedCaptures.skipMessage))
    func replayedEventsAreStoredOnce() async throws {
        let path = SharedCaptures.path("http/sv_http-chunked.pcap")
        let (ingested, replayed, storedAgain, results) = try await TrafficDatabase.with("eventreplay") { conninfo in
            let writer = try TrafficWriter(conninfo: conninfo)
            let (ingested, decoded) = try Self.ingest(path, writer: writer)
            let results = try decoded.batches.map { batch in
                var again = batch
                again.producer = UUID()
                // Storage leaves packets stored before out of a batch (`StorageEngine`).
                again.packets = []
                return try writer.commit(again)
            }
            return (ingested, writer.replayedEvents, try Self.stored(writer.connection, captureID: ingested.captureID),
                    results)
        }
        #expect(!ingested.expectedEvents.isEmpty)
        #expect(results.allSatisfy { $0 != TrafficWriter.CommitResult.duplicate })
        #expect(replayed == ingested.expectedEvents.count)
        #expect(storedAgain == ingested.stored)
    }

    @Test func adaptersAndDropCountersAreKept() async throws {
        let rows = try await TrafficDatabase.with("adapters") { conninfo in
            let writer = try TrafficWriter(conninfo: conninfo)
            let capture = try writer.startCapture(sensor: testSensor, source: "interface:eth0")
            let eth0 = TrafficWriter.Adapter(name: "eth0", description: "", isUp: true, isRunning: true, isLoopback: false,
                                             mac: "02:00:00:00:00:0a", ipv4: ["10.0.0.1"], ipv6: ["fe80::1", "a\"b"],
                                             mtu: 1500)
            try writer.replaceAdapters(sensor: testSensor, [eth0, TrafficWriter.Adapter(
                name: "lo", description: "loopback", isUp: true, isRunning: true, isLoopback: true, mac: nil,
                ipv4: ["127.0.0.1"], ipv6: [], mtu: nil)])
            try writer.replaceAdapters(sensor: testSensor, [eth0])
            try writer.recordCaptureStatistics(capture, received: 100, kernelDrops: 3, interfaceDrops: 0, sensorDrops: 7)
            let adapters = try writer.connection.query(
                "SELECT name, mac, ipv4, ipv6, mtu FROM adapters WHERE sensor_id = $1", [testSensor.id]).rows
            let drops = try writer.connection.query(
                "SELECT received_frames, kernel_drops, sensor_drops FROM captures WHERE id = $1", [Int64(capture)]).rows
            return (adapters, drops)
        }
        #expect(rows.0 == [["eth0", "02:00:00:00:00:0a", "{10.0.0.1}", "{fe80::1,\"a\\\"b\"}", "1500"]])
        #expect(rows.1 == [["100", "3", "7"]])
    }

    // MARK: Synthetic records

    static func packet(captureID: UInt64, frame: UInt64, time: Int64) -> PacketRecord {
        var vlans = VLANStack()
        _ = vlans.push(100)
        _ = vlans.push(7)
        return PacketRecord(captureID: captureID, frameNumber: frame, timestamp: time, capturedLength: 60,
                            wireLength: 60, linkType: 1, l2Length: 22, l3Type: 0x86DD, l3Offset: 22, l3Length: 40,
                            l4Type: 17, l4Offset: 62, l4Length: 8, l5Offset: 70, l5Length: 0,
                            source: IPAddress("2001:db8::1"), destination: IPAddress("2001:db8::2"),
                            sourcePort: 5353, destinationPort: 53, vlans: vlans, flowKey: 42)
    }

    static func flow(captureID: UInt64, key: UInt64, start: Int64, packets: UInt64, final: Bool) -> FlowRecord {
        FlowRecord(flowKey: key, captureID: captureID, communityID: "1:synthetic=", source: IPAddress(v4: 0x0A00_0001),
                   destination: IPAddress(v4: 0x0A00_0002), protocolNumber: 6, sourcePort: 40000, destinationPort: 80,
                   fromSource: FlowDirectionStats(packets: packets, capturedBytes: packets * 60, wireBytes: packets * 60,
                                                  tcpFlags: TCPInfo.syn),
                   fromDestination: FlowDirectionStats(), firstFrame: 1, start: start, end: start + Int64(packets),
                   isFinal: final, reason: final ? .end : .period)
    }

    /// batches, packets, flows, batch_sources rows.
    static func counts(_ connection: PostgresConnection) throws -> [Int64] {
        try ["batches", "packet_runs", "flows", "batch_sources"].map {
            try connection.int64("SELECT count(*) FROM \($0)") ?? -1
        }
    }
}
