@testable import Database
import Logging
import PostgresClient
@testable import Search
import TestSupport
import Testing
import Wire

/// Migration 16: packets results stored before it name no index record,
/// so their searches are queued again, without results, and a runner
/// stores them anew; other searches keep theirs.
@Suite(.enabled(if: PostgresTestServer.binariesInstalled, PostgresTestServer.skipMessage),
       .postgresServer("packet-results-migration"))
struct PacketResultsMigrationTests {
    @Test func anOldPacketsResultIsQueuedAgainAndRecomputed() async throws {
        let before = Array(Migrations.all.prefix { $0.version < Migrations.searchResultRecords.version })
        // Each search's status, found, whether it is unfinished, and its rows.
        let states = try await TrafficDatabase.with("requeue", migrations: before) { conninfo in
            let db = try PostgresConnection(conninfo: conninfo)
            func search(_ target: String, status: String, found: Int64) throws -> Int64? {
                try db.query("""
                    INSERT INTO searches (query, target, status, found, finished_at) VALUES ('ip', $1, $2, $3, now())
                    RETURNING id
                    """, [target, status, found]).row(0)?.int64(0)
            }
            let ids = [try search("packets", status: "complete", found: 2), try search("packets", status: "complete", found: 0),
                       try search("packets", status: "failed", found: 0), try search("flows", status: "complete", found: 1)]
            try db.query("""
                INSERT INTO search_results (search_id, ordinal, capture_id, item, ts_ns)
                VALUES ($1, 1, 1, 7, 1000), ($1, 2, 1, 9, 2000), ($2, 1, 1, 3, NULL)
                """, [ids[0], ids[3]])
            func states() throws -> [String?] {
                try ids.map { id in
                    try db.query("""
                        SELECT s.status || ' ' || s.found || ' ' || (s.finished_at IS NULL) || ' '
                            || (SELECT count(*) FROM search_results r WHERE r.search_id = s.id)
                        FROM searches s WHERE s.id = $1
                        """, [id]).row(0)?.string(0)
                }
            }
            try MigrationRunner(migrations: Migrations.all).run(on: db)
            let migrated = try states()
            // Nothing is stored now: the runner finds nothing, and says so.
            let runner = SearchRunner(conninfo: conninfo, pcapRoot: "/nonexistent", timeoutSeconds: 30,
                                      logger: Logger(label: "test"))
            let ran = [try runner.runOne(db), try runner.runOne(db)]
            return (migrated, ran, try states())
        }
        #expect(states.0 == ["queued 0 true 0", "complete 0 false 0", "failed 0 false 0", "complete 1 false 1"])
        #expect(states.1 == [true, false], "one search was queued")
        #expect(states.2[0] == "complete 0 false 0")
    }
}
