import Foundation
import Logging
import PostgresClient
import QueryLanguage
@testable import Search
import TestSupport
import Testing
import Wire

/// Packets searches that name addresses reach their packets through the
/// flows of those addresses (`FlowScope`). Real captures go through the
/// real pipeline; every answer is compared with SQL over the stored
/// packets (`StoredPackets.loadTable`), including for a capture whose flows
/// are not stored yet.
@Suite(.serialized, .postgresServer("flowscope"),
       .enabled(if: PostgresTestServer.binariesInstalled && SharedCaptures.available, PostgresTestServer.skipMessage))
struct FlowScopeTests {
    static var captures: [String] {
        ["fragments", "ipv6", "icmp", "dns", "malformed"].flatMap { SharedCaptures.captures(in: $0) }
    }

    /// Every page of a packets search, as (capture, frame) pairs.
    static func found(_ query: String, engine: SearchEngine, limit: Int = 7, start: Int64? = nil,
                      end: Int64? = nil) throws -> [String] {
        var request = QueryMessage.SearchRequest(query: query, target: .packets, limit: limit)
        request.start = start
        request.end = end
        var all: [String] = []
        while true {
            let page = try engine.search(request)
            if let problem = page.problem { Issue.record("\(query): \(problem.message)"); return all }
            all += page.packets.map { "\($0.captureID):\($0.packet.frame)" }
            guard page.packets.count == limit else { return all }
            request.afterCapture = page.lastCapture
            request.afterID = page.lastID
        }
    }

    /// A packets search's export, in its order (time, capture, frame).
    static func exported(_ query: String, engine: SearchEngine) throws -> [String] {
        let request = QueryMessage.SearchRequest(query: query, target: .packets, limit: 0)
        let found = try #require(try engine.searchExportFrames(request, after: .start, limit: 100_000))
        return found.map { "\($0.capture):\($0.frame)" }
    }

    /// A packets search run in the background, as the runner stores it.
    static func background(_ query: String, engine: SearchEngine, on connection: PostgresConnection) throws -> [String] {
        _ = try engine.startSearch(QueryMessage.SearchRequest(query: query, target: .packets, limit: 0))
        let runner = SearchRunner(conninfo: "", pcapRoot: engine.packets.reader.root, timeoutSeconds: 30, logger: Logger(label: "flowscope-test"))
        #expect(try runner.runOne(connection))
        let id = try #require(try connection.query("SELECT max(id) FROM searches WHERE status = 'complete'").row(0)?.int64(0))
        return try connection.query("""
            SELECT capture_id || ':' || item FROM search_results WHERE search_id = $1 ORDER BY ordinal
            """, [id]).rows.compactMap { $0[0] ?? nil }
    }

    static func truth(_ condition: String, _ values: [String], on db: PostgresConnection,
                      inTimeOrder: Bool = false) throws -> [String] {
        // An export holds the frames stored in the pcap store, in time order.
        try db.query("""
            SELECT capture_id || ':' || frame_number FROM packets
            WHERE \(inTimeOrder ? "segment_id IS NOT NULL AND" : "") (\(condition))
            ORDER BY \(inTimeOrder ? "ts_ns, " : "")capture_id, frame_number
            """, values.map { $0 as (any PostgresParameter)? }).rows.compactMap { $0[0] ?? nil }
    }

    @Test func addressSearchesFindWhatTheTableHolds() throws {
        let server = try PostgresTestServer.require()
        let pipeline = try InProcessPipeline(server: server, decoders: 1)
        let results = try pipeline.ingest(Self.captures)
        pipeline.stop()
        #expect(!results.isEmpty)
        let db = try PostgresConnection(conninfo: server.conninfo)
        try StoredPackets.loadTable(db, pcapRoot: pipeline.pcapRoot)
        let engine = try SearchEngine(conninfo: server.conninfo, pcapRoot: pipeline.pcapRoot)
        // Per capture: its busiest address and its quietest one.
        let addresses = try db.query("""
            SELECT host(a) FROM (
                SELECT a, row_number() OVER (PARTITION BY capture_id ORDER BY count(*) DESC, a) AS busiest,
                          row_number() OVER (PARTITION BY capture_id ORDER BY count(*), a) AS quietest
                FROM packets, LATERAL (VALUES (src), (dst)) v(a) WHERE a IS NOT NULL GROUP BY capture_id, a) c
            WHERE busiest = 1 OR quietest = 1
            """).rows.compactMap { $0[0] ?? nil }
        #expect(addresses.count >= 10)
        var scoped = 0
        for address in Set(addresses).sorted() {
            #expect(try Self.found("ip.addr == \(address)", engine: engine)
                    == Self.truth("src = $1::inet OR dst = $1::inet", [address], on: db), "\(address)")
            #expect(try Self.found("ip.src == \(address) && frame.len > 60", engine: engine)
                    == Self.truth("src = $1::inet AND wirelen > 60", [address], on: db), "\(address)")
            #expect(try Self.exported("ip.addr == \(address)", engine: engine)
                    == Self.truth("src = $1::inet OR dst = $1::inet", [address], on: db,
                                  inTimeOrder: true), "\(address)")
            #expect(try Self.background("ip.addr == \(address)", engine: engine, on: db)
                    == Self.truth("src = $1::inet OR dst = $1::inet", [address], on: db), "\(address)")
            if try FlowScope.find(try QueryParser.parse("ip.addr == \(address)"), packets: engine.packets) != nil { scoped += 1 }
        }
        #expect(scoped > 0, "some searches go through their flows")
        let pair = Array(Set(addresses).sorted().prefix(2))
        #expect(try Self.found("ip.dst in {\(pair[0]), \(pair[1])} || ip.addr == 2001:db8::/32", engine: engine)
                == Self.truth("dst IN ($1::inet, $2::inet) OR src <<= '2001:db8::/32' OR dst <<= '2001:db8::/32'",
                              pair, on: db))
        #expect(try Self.found("ip.addr == 192.0.2.254", engine: engine).isEmpty)
        // A window: the packets inside it, whenever their flows started.
        let window = try #require(try db.query("SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY ts_ns) FROM packets")
            .row(0)?.int64(0))
        for address in Set(addresses).sorted().prefix(6) {
            #expect(try Self.found("ip.addr == \(address)", engine: engine, start: window)
                    == Self.truth("(src = $1::inet OR dst = $1::inet) AND ts_ns >= $2::bigint", [address, "\(window)"],
                                  on: db), "\(address)")
        }

        // A capture still being stored: its flows are not there yet, its packets are.
        let busiest = try #require(try db.query("""
            SELECT capture_id, host(src) FROM packets WHERE src IS NOT NULL
            GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1
            """).rows.first)
        let (capture, address) = (try #require(busiest[0] ?? nil), try #require(busiest[1] ?? nil))
        let before = try Self.found("ip.addr == \(address)", engine: engine)
        let exportedBefore = try Self.exported("ip.addr == \(address)", engine: engine)
        try db.query("UPDATE captures SET status = 'running' WHERE id = $1::bigint", [capture])
        try db.query("DELETE FROM flows WHERE capture_id = $1::bigint", [capture])
        #expect(try Self.found("ip.addr == \(address)", engine: engine) == before)
        #expect(try Self.exported("ip.addr == \(address)", engine: engine) == exportedBefore)
        #expect(try Self.background("ip.addr == \(address)", engine: engine, on: db) == before)
        #expect(before.contains { $0.hasPrefix("\(capture):") } && !exportedBefore.isEmpty)
    }
}
