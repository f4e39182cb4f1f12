import Database
import Foundation
import Logging
import PostgresClient
@testable import Search
import TestSupport
import Testing
import Wire

/// The bounds on background searches, against a real server: searches
/// queued or running per key, rows kept per search, finished searches
/// deleted on request and after their time to live.
@Suite(.enabled(if: PostgresTestServer.binariesInstalled, PostgresTestServer.skipMessage),
       .postgresServer("search-limits"))
struct BackgroundSearchLimitTests {
    static let owner = String(repeating: "a1", count: 32)
    static let other = String(repeating: "b2", count: 32)

    static func start(_ engine: SearchEngine, owner: String?) throws -> QueryMessage.Reply {
        try engine.answer(.searches(.start(QueryMessage.SearchRequest(query: "tcp", target: .flows, limit: 0, owner: owner))))
    }

    struct NotStarted: Error { let answer: QueryMessage.Reply }

    static func started(_ engine: SearchEngine, owner: String?) throws -> QueryMessage.SearchMeta {
        let answer = try start(engine, owner: owner)
        guard case .searches(.meta(let meta?)) = answer else { throw NotStarted(answer: answer) }
        return meta
    }

    /// `flows` TCP flows, and the partitions they need.
    static func storeFlows(_ flows: Int, on connection: PostgresConnection) throws {
        var partitions = PartitionManager()
        try partitions.ensure(.flows, coveringTimes: [HuntTests.day], on: connection)
        for key in 1 ... Int64(flows) { try HuntTests.storeFlow(key: key, on: connection) }
    }

    /// A database with `flows` flows, an engine, and a way to run one queued search to its end.
    struct Setup {
        let connection: PostgresConnection
        let engine: SearchEngine
        let runner: SearchRunner

        init(_ conninfo: String, flows: Int) throws {
            connection = try PostgresConnection(conninfo: conninfo)
            try BackgroundSearchLimitTests.storeFlows(flows, on: connection)
            engine = try SearchEngine(conninfo: conninfo, pcapRoot: "/nonexistent")
            runner = SearchRunner(conninfo: conninfo, pcapRoot: "/nonexistent", timeoutSeconds: 30, logger: Logger(label: "test"))
        }

        /// A search of the key's, run to completion.
        func finished() throws -> QueryMessage.SearchMeta {
            let meta = try BackgroundSearchLimitTests.started(engine, owner: BackgroundSearchLimitTests.owner)
            #expect(try runner.runOne(connection))
            return meta
        }
    }

    static func rows(of search: UInt64, _ connection: PostgresConnection) throws -> Int64 {
        try connection.query("SELECT count(*) FROM search_results WHERE search_id = $1", [Int64(search)]).row(0)?.int64(0) ?? -1
    }

    @Test func aKeyHasAtMostItsLimitOfSearchesQueuedOrRunning() async throws {
        try await TrafficDatabase.with("search_per_key") { conninfo in
            let engine = try SearchEngine(conninfo: conninfo, pcapRoot: "/nonexistent", limits: SearchLimits(activePerKey: 2, maxResults: 10, ttl: nil))
            let first = try Self.started(engine, owner: Self.owner)
            _ = try Self.started(engine, owner: Self.owner)
            #expect(try Self.start(engine, owner: Self.owner) == .searches(.busy(active: 2, limit: 2)))
            // Another key has places of its own.
            #expect(try Self.started(engine, owner: Self.other).status == .queued)
            // A cancelled search frees its place.
            guard case .searches(.meta(let cancelled?)) = try engine.answer(.searches(.cancel(id: first.id))) else {
                Issue.record("no meta")
                return
            }
            #expect(cancelled.status == .cancelled)
            #expect(try Self.started(engine, owner: Self.owner).status == .queued)
            #expect(try Self.start(engine, owner: Self.owner) == .searches(.busy(active: 2, limit: 2)))
        }
    }

    @Test func aSearchKeepsAtMostItsCapOfResults() async throws {
        try await TrafficDatabase.with("search_cap") { conninfo in
            let connection = try PostgresConnection(conninfo: conninfo)
            try Self.storeFlows(5, on: connection)
            let engine = try SearchEngine(conninfo: conninfo, pcapRoot: "/nonexistent")
            let runner = SearchRunner(conninfo: conninfo, pcapRoot: "/nonexistent", timeoutSeconds: 30, maxResults: 3, logger: Logger(label: "test"))
            let cut = try Self.started(engine, owner: Self.owner)
            #expect(try runner.runOne(connection))
            let meta = try #require(try engine.searchMeta(cut.id))
            #expect(meta.status == .complete && meta.found == 3, "\(meta)")
            #expect(meta.error?.contains("search_max_results") == true)
            #expect(try Self.rows(of: cut.id, connection) == 3)
            let page = try #require(try engine.searchResults(cut.id, after: 0, limit: 100))
            #expect(page.page.flows.map(\.id).count == 3)

            let whole = SearchRunner(conninfo: conninfo, pcapRoot: "/nonexistent", timeoutSeconds: 30, maxResults: 5, logger: Logger(label: "test"))
            let all = try Self.started(engine, owner: Self.owner)
            #expect(try whole.runOne(connection))
            let complete = try #require(try engine.searchMeta(all.id))
            #expect(complete.found == 5 && complete.error == nil, "\(complete)")
        }
    }

    /// DELETE cancels a queued search; on a finished one it removes the
    /// search and its rows.
    @Test func deletingAFinishedSearchRemovesItsResults() async throws {
        try await TrafficDatabase.with("search_delete") { conninfo in
            let setup = try Setup(conninfo, flows: 4)
            let (connection, engine) = (setup.connection, setup.engine)
            let done = try setup.finished()
            #expect(try Self.rows(of: done.id, connection) == 4)
            guard case .searches(.meta(let deleted?)) = try engine.answer(.searches(.cancel(id: done.id))) else {
                Issue.record("no meta for a finished search")
                return
            }
            #expect(deleted.status == .complete && deleted.found == 4)
            #expect(try Self.rows(of: done.id, connection) == 0)
            #expect(try engine.searchMeta(done.id) == nil)
            #expect(try engine.answer(.searches(.cancel(id: done.id))) == .searches(.meta(nil)))

            let queued = try Self.started(engine, owner: Self.owner)
            let cancelled = try engine.answer(.searches(.cancel(id: queued.id)))
            #expect(cancelled != .searches(.meta(nil)))
            #expect(try engine.searchMeta(queued.id)?.status == .cancelled)
            _ = try engine.answer(.searches(.cancel(id: queued.id)))
            #expect(try engine.searchMeta(queued.id) == nil)
        }
    }

    @Test func finishedSearchesExpireWithTheirResults() async throws {
        try await TrafficDatabase.with("search_ttl") { conninfo in
            let setup = try Setup(conninfo, flows: 3)
            let (connection, engine) = (setup.connection, setup.engine)
            let old = try setup.finished()
            let recent = try setup.finished()
            let queued = try Self.started(engine, owner: Self.owner)
            try connection.query("UPDATE searches SET finished_at = now() - interval '25 hours' WHERE id = $1",
                                 [Int64(old.id)])
            try connection.query("UPDATE searches SET created_at = now() - interval '25 hours' WHERE id = $1",
                                 [Int64(queued.id)])

            #expect(try SearchEngine.expireSearches(olderThan: .seconds(24 * 3600), on: connection) == 1)
            #expect(try engine.searchMeta(old.id) == nil)
            #expect(try Self.rows(of: old.id, connection) == 0)
            #expect(try engine.searchMeta(recent.id)?.found == 3)
            #expect(try Self.rows(of: recent.id, connection) == 3)
            #expect(try engine.searchMeta(queued.id)?.status == .queued)
        }
    }
}
