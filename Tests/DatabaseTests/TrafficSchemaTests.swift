import Database
import Events
import Foundation
import PostgresClient
import TestSupport
import Testing

/// Migration 2 and daily partitions, against a real server.
@Suite(.enabled(if: PostgresTestServer.binariesInstalled, PostgresTestServer.skipMessage),
       .postgresServer("schema"))
struct TrafficSchemaTests {
    @Test func migrationsCreateTheSchema() async throws {
        let (tables, partitioned, indexes, sequenceMax) = try await TrafficDatabase.with("schema") { conninfo in
            let connection = try PostgresConnection(conninfo: conninfo)
            let tables = try connection.query("""
                SELECT relname FROM pg_class
                WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') ORDER BY relname
                """).rows.compactMap { $0[0] }
            let partitioned = try connection.query("""
                SELECT c.relname || ':' || pg_get_partkeydef(c.oid) FROM pg_partitioned_table p
                JOIN pg_class c ON c.oid = p.partrelid ORDER BY 1
                """).rows.compactMap { $0[0] }
            let indexes = try connection.query("""
                SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1
                """).rows.compactMap { $0[0] }
            let sequenceMax = try connection.int64("SELECT max_value FROM pg_sequences WHERE sequencename = 'flows_id_seq'")
            return (tables, partitioned, indexes, sequenceMax)
        }
        #expect(tables == ["adapters", "api_keys", "batch_sources", "batches", "captures", "dhcp_events", "dns_events", "flow_updates",
                           "flows", "http_events", "hunt_matches", "hunts", "icmp_events", "legacy_packets", "packet_runs", "schema_migrations",
                           "search_results", "searches", "segments", "sensors", "tls_events"])
        // `legacy_packets`: packet rows of a data directory from before the
        // packet index, until storage writes them into it (empty here).
        #expect(partitioned == ["dhcp_events:RANGE (ts_ns)", "dns_events:RANGE (ts_ns)", "flows:RANGE (start_ns)",
                                "http_events:RANGE (ts_ns)", "icmp_events:RANGE (ts_ns)",
                                "legacy_packets:RANGE (ts_ns)", "packet_runs:RANGE (start_ns)",
                                "tls_events:RANGE (ts_ns)"])
        var expectedIndexes = ["flows_pkey", "flows_id",
                               "flows_community_id", "flows_capture", "flows_batch", "batches_producer_sequence_key",
                               "batches_xid", "packet_runs_pkey", "packet_runs_capture", "packet_runs_batch"]
        for table in EventTable.all {
            expectedIndexes += ["pkey", "id", "capture", "batch"].map { "\(table.name)_\($0)" }
        }
        for index in expectedIndexes {
            #expect(indexes.contains(index), "missing index \(index)")
        }
        #expect(sequenceMax == (1 << 53) - 1)
    }

    /// Migrations are SQL written by hand: each events table must have the
    /// common columns, then exactly its dataset's columns, in order, typed
    /// as the dataset says, then `fields`.
    @Test func everyEventsTableMatchesItsDataset() async throws {
        let found = try await TrafficDatabase.with("eventtables") { conninfo in
            let connection = try PostgresConnection(conninfo: conninfo)
            var found: [String: [String]] = [:]
            for table in EventTable.all {
                found[table.name] = try connection.query("""
                    SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN '' ELSE ' NULL' END
                    FROM pg_attribute a
                    WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
                    """, [table.name]).rows.compactMap { $0[0] }
            }
            return found
        }
        // `doc` holds the documents of rows stored before migration 15, `fields` the rest of later rows.
        let common = ["id bigint", "capture_id bigint", "flow_key bigint", "ts_ns bigint", "batch_id bigint",
                      "sequence integer", "community_id text", "frames bigint[]", "doc jsonb NULL"]
        for dataset in Dataset.all {
            let expected = common + dataset.columns.map { "\($0.name) \($0.kind.sqlType) NULL" } + ["fields bytea NULL"]
            #expect(found[dataset.table] == expected, "\(dataset.table)")
        }
    }

    @Test func dayNumbers() {
        #expect(PartitionManager.day(ofUnixNanoseconds: 0) == 0)
        #expect(PartitionManager.day(ofUnixNanoseconds: -1) == -1)
        #expect(PartitionManager.day(ofUnixNanoseconds: PartitionManager.nanosecondsPerDay) == 1)
    }

    @Test func partitionsAreCreatedOnceEvenConcurrently() async throws {
        let (partitions, firstCreated, secondCreated, cachedAgain) = try await TrafficDatabase.with("partitions") { conninfo in
            // 1999-12-31 and 2262-04-11 (the last day nanoseconds reach).
            let days: Set<Int64> = [10_956, 106_751, -106_752]
            let group = DispatchGroup()
            let results = LockedResults()
            for _ in 0..<4 {
                group.enter()
                Thread {
                    defer { group.leave() }
                    do {
                        var manager = PartitionManager()
                        let connection = try PostgresConnection(conninfo: conninfo)
                        results.append(try manager.ensure(.packetRuns, days: days, on: connection).count)
                    } catch {
                        results.fail(error)
                    }
                }.start()
            }
            group.wait()
            try results.check()
            var manager = PartitionManager()
            let connection = try PostgresConnection(conninfo: conninfo)
            let first = try manager.ensure(.flows, days: [10_956], on: connection)
            let second = try manager.ensure(.flows, days: [10_956, 10_957 - 365], on: connection)
            let partitions = try connection.query("""
                SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE c.relkind = 'r' ORDER BY 1
                """).rows.compactMap { $0[0] }
            return (partitions, first, second, manager.isKnown(.flows, time: 10_956 * PartitionManager.nanosecondsPerDay))
        }
        // Far from today: a year each, open-ended at int64's first and last days.
        #expect(partitions == ["flows_19990101_20000101", "packet_runs_19990101_20000101", "packet_runs_22620101_max",
                               "packet_runs_min_16780101"])
        #expect(firstCreated == [PartitionLayout.Span(days: 10_592, 10_957)])
        #expect(secondCreated == [])
        #expect(cachedAgain)
    }
}

/// Collects results from plain threads.
final class LockedResults: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int] = []
    private var errors: [any Error] = []
    func append(_ value: Int) { lock.withLock { values.append(value) } }
    func fail(_ error: any Error) { lock.withLock { errors.append(error) } }
    func check() throws { if let error = lock.withLock({ errors.first }) { throw error } }
}
