import Foundation
import Logging
import PostgresClient
@testable import Search
import TestSupport
import Testing
import Wire

/// Packets searches run in the background (`SearchRunner`) store what the
/// waited search finds, in its order, and their pages read back the same
/// packets from the packet index; the cap cuts them at its first results;
/// a search cancelled or out of time between statements stops at its next
/// page. Real captures go through the real pipeline, once per suite.
@Suite(.serialized, .postgresServer("backgroundpackets"),
       .enabled(if: PostgresTestServer.binariesInstalled && SharedCaptures.available, PostgresTestServer.skipMessage))
struct BackgroundPacketSearchTests {
    /// The captures stored in the suite's server, once: its conninfo and pcap root.
    static let stored = Result { () throws -> (conninfo: String, pcapRoot: String) in
        let server = try PostgresTestServer.require()
        let pipeline = try InProcessPipeline(server: server, decoders: 2)
        let paths = ["http", "dns", "tls", "fragments", "ipv6"].flatMap { SharedCaptures.captures(in: $0).prefix(3) }
        let results = try pipeline.ingest(paths)
        pipeline.stop()
        guard results.count == paths.count else { throw NotStored(results: results.count, paths: paths.count) }
        return (server.conninfo, pipeline.pcapRoot)
    }

    struct NotStored: Error { let results: Int, paths: Int }

    static func engine() throws -> SearchEngine {
        let (conninfo, pcapRoot) = try stored.get()
        return try SearchEngine(conninfo: conninfo, pcapRoot: pcapRoot)
    }

    static func runner(maxResults: Int = SearchLimits.default.maxResults, packetsPerPage: Int,
                       timeoutSeconds: Int = 30, pcapRoot: String? = nil) throws -> SearchRunner {
        let stored = try stored.get()
        return SearchRunner(conninfo: stored.conninfo, pcapRoot: pcapRoot ?? stored.pcapRoot,
                            timeoutSeconds: timeoutSeconds, maxResults: maxResults, packetsPerPage: packetsPerPage,
                            logger: Logger(label: "background-packets-test"))
    }

    /// Every page of the waited search.
    static func waited(_ query: String, engine: SearchEngine) throws -> [QueryMessage.FoundPacket] {
        var request = QueryMessage.SearchRequest(query: query, target: .packets, limit: 97)
        var all: [QueryMessage.FoundPacket] = []
        while true {
            let page = try engine.search(request)
            all += page.packets
            guard page.packets.count == request.limit else { return all }
            (request.afterCapture, request.afterID) = (page.lastCapture, page.lastID)
        }
    }

    static func start(_ query: String, engine: SearchEngine) throws -> UInt64 {
        guard case .searches(.meta(let meta?)) = try engine.startSearch(
            QueryMessage.SearchRequest(query: query, target: .packets, limit: 0)) else { throw NotQueued(query: query) }
        return meta.id
    }

    struct NotQueued: Error { let query: String }

    /// Every page of a background search's results, 50 at a time.
    static func results(_ id: UInt64, engine: SearchEngine) throws -> [QueryMessage.FoundPacket] {
        var all: [QueryMessage.FoundPacket] = []
        while true {
            let page = try #require(try engine.searchResults(id, after: UInt64(all.count), limit: 50)).page
            #expect(page.lastID == UInt64(all.count + page.packets.count))
            if page.packets.isEmpty { return all }
            all += page.packets
        }
    }

    /// A search run to its end by `runner`: its meta and results.
    static func background(_ query: String, engine: SearchEngine, runner: SearchRunner) throws
        -> (meta: QueryMessage.SearchMeta, packets: [QueryMessage.FoundPacket]) {
        let id = try start(query, engine: engine)
        #expect(try runner.runOne(engine.connection))
        return (try #require(try engine.searchMeta(id)), try results(id, engine: engine))
    }

    @Test func backgroundResultsAreTheWaitedSearchesPackets() throws {
        let engine = try Self.engine()
        let address = try #require(try engine.connection.query("""
            SELECT host(src) FROM flows WHERE src IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1
            """).row(0)?.string(0))
        let runner = try Self.runner(packetsPerPage: 64)
        for query in ["ip", "packet.size >= 1000", "ip.addr == \(address)", "flow.bytes > 10000",
                      "udp && !dns", "tcp && frame.number <= 20"] {
            let waited = try Self.waited(query, engine: engine)
            let (meta, packets) = try Self.background(query, engine: engine, runner: runner)
            #expect(!waited.isEmpty, "\(query)")
            #expect(packets == waited, "\(query): \(packets.count) stored, \(waited.count) found")
            #expect(meta.status == .complete && meta.found == UInt64(waited.count) && meta.error == nil, "\(query): \(meta)")
        }
        #expect(runner.counters.get() == SearchRunner.Counters(completed: 6))
    }

    @Test func aCutSearchKeepsTheFirstOfItsOrder() throws {
        let engine = try Self.engine()
        let waited = try Self.waited("packet.size >= 1000", engine: engine)
        #expect(waited.count > 30)
        for cap in [25, waited.count - 1] {
            let (meta, packets) = try Self.background("packet.size >= 1000", engine: engine,
                                                      runner: try Self.runner(maxResults: cap, packetsPerPage: 10))
            #expect(packets == Array(waited.prefix(cap)))
            #expect(meta.found == UInt64(cap) && meta.error?.contains("search_max_results") == true, "\(meta)")
        }
        let (meta, packets) = try Self.background("packet.size >= 1000", engine: engine,
                                                  runner: try Self.runner(maxResults: waited.count, packetsPerPage: 10))
        #expect(packets == waited)
        #expect(meta.found == UInt64(waited.count) && meta.error == nil, "\(meta)")
    }

    /// Waits until the search's runner waits for a lock in a statement naming `table`.
    static func blocked(_ id: UInt64, on table: String, _ db: PostgresConnection) throws {
        for _ in 0 ..< 1_000 {
            let waiting = try db.query("""
                SELECT 1 FROM pg_stat_activity a JOIN searches s ON s.backend_pid = a.pid
                WHERE s.id = $1 AND a.wait_event_type = 'Lock' AND a.query LIKE '%' || $2 || '%'
                """, [Int64(id), table])
            if !waiting.rows.isEmpty { return }
            Thread.sleep(forTimeInterval: 0.01)
        }
        Issue.record("the runner never waited on \(table)")
    }

    /// Runs one search on a thread of its own, on a connection set up as `SearchRunner.run` sets it up.
    static func runInBackground(_ runner: SearchRunner, timeoutSeconds: Int) throws -> DispatchGroup {
        let conninfo = try stored.get().conninfo
        let done = DispatchGroup()
        done.enter()
        Thread {
            defer { done.leave() }
            do {
                let connection = try PostgresConnection(conninfo: conninfo)
                try connection.execute("SET statement_timeout = \(timeoutSeconds * 1_000)")
                #expect(try runner.runOne(connection))
            } catch {
                Issue.record("\(error)")
            }
        }.start()
        return done
    }

    /// A cancel whose interrupt finds no statement running (the runner is
    /// between statements) is seen at the next page: no later page is read
    /// (the store is gone by then, so reading one would fail the search).
    @Test func aSearchCancelledBetweenStatementsStopsAtTheNextPage() throws {
        let engine = try Self.engine()
        let link = FileManager.default.temporaryDirectory.appendingPathComponent("pcap-\(UUID().uuidString)").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: try Self.stored.get().pcapRoot)
        defer { try? FileManager.default.removeItem(atPath: link) }
        let runner = try Self.runner(packetsPerPage: 5, pcapRoot: link)
        let lock = try PostgresConnection(conninfo: try Self.stored.get().conninfo)
        try lock.execute("BEGIN")
        try lock.execute("LOCK TABLE search_results IN SHARE MODE")
        let id = try Self.start("ip", engine: engine)
        let done = try Self.runInBackground(runner, timeoutSeconds: 30)
        try Self.blocked(id, on: "search_results", engine.connection)
        try engine.connection.query("UPDATE searches SET status = 'cancelled', finished_at = now() WHERE id = $1",
                                    [Int64(id)])
        try FileManager.default.removeItem(atPath: link)
        try lock.execute("ROLLBACK")
        done.wait()
        #expect(runner.counters.get() == SearchRunner.Counters(cancelled: 1))
        #expect(try engine.searchMeta(id)?.status == .cancelled)
        #expect(try Self.results(id, engine: engine).isEmpty)
    }

    /// A search whose statements each finish inside the timeout but which,
    /// page after page, runs past it fails at its next page.
    @Test func aSearchPastItsTimeFailsAtTheNextPage() throws {
        let engine = try Self.engine()
        let runner = try Self.runner(packetsPerPage: 5, timeoutSeconds: 2)
        let conninfo = try Self.stored.get().conninfo
        let (runs, results) = (try PostgresConnection(conninfo: conninfo), try PostgresConnection(conninfo: conninfo))
        try runs.execute("BEGIN")
        try runs.execute("LOCK TABLE packet_runs IN ACCESS EXCLUSIVE MODE")
        try results.execute("BEGIN")
        try results.execute("LOCK TABLE search_results IN SHARE MODE")
        let id = try Self.start("ip", engine: engine)
        let done = try Self.runInBackground(runner, timeoutSeconds: 2)
        // Two waits of 1.2 s: each under the statement timeout, together over it.
        try Self.blocked(id, on: "packet_runs", engine.connection)
        Thread.sleep(forTimeInterval: 1.2)
        try runs.execute("ROLLBACK")
        try Self.blocked(id, on: "search_results", engine.connection)
        Thread.sleep(forTimeInterval: 1.2)
        try results.execute("ROLLBACK")
        done.wait()
        let meta = try #require(try engine.searchMeta(id))
        #expect(meta.status == .failed && meta.error == "the search ran longer than 2 s and was stopped", "\(meta)")
        #expect(runner.counters.get() == SearchRunner.Counters(failed: 1))
        #expect(try Self.results(id, engine: engine).isEmpty)
    }
}
