import Database
import Foundation
import Logging
import PcapStore
import PostgresClient
@testable import Search
import TestSupport
import Testing
import Wire

/// Hunt runs against a real server, with batches committed from other
/// connections the way storage's commit workers do: out of id order.
@Suite(.enabled(if: PostgresTestServer.binariesInstalled, PostgresTestServer.skipMessage),
       .postgresServer("hunts"))
struct HuntTests {
    static let day: Int64 = 1_714_521_600_000_000_000  // 2024-05-01

    /// What a storage transaction writes for one flow: its batch row (whose
    /// `xid` is this transaction's) and the flow row pointing at it.
    static func storeFlow(key: Int64, on connection: PostgresConnection) throws {
        let batch = try connection.query("""
            INSERT INTO batches (producer, sequence, packet_count, flow_count) VALUES ($1, 1, 0, 1) RETURNING id
            """, [UUID()]).row(0)?.int64(0)
        try connection.query("""
            INSERT INTO flows (flow_key, start_ns, capture_id, end_ns, first_frame, src_packets, src_bytes,
                               src_wire_bytes, dst_packets, dst_bytes, dst_wire_bytes, batch_id, src_port, dst_port,
                               src_tcp_flags, dst_tcp_flags, protocol, final, reason, community_id, src, dst)
            VALUES ($1, $2, 1, $2, 1, 1, 60, 60, 0, 0, 0, $3, 40000, 80, 2, 0, 6, true, 'end', '1:x', '10.0.0.1', '10.0.0.2')
            """, [key, day + key, batch])
    }

    static func matchedKeys(_ hunt: Int64, _ connection: PostgresConnection) throws -> [Int64] {
        try connection.query("SELECT flow_key FROM hunt_matches WHERE hunt_id = $1 ORDER BY ordinal", [hunt])
            .rows.compactMap { $0[0].flatMap { Int64($0) } }
    }

    static func addHunt(_ name: String, _ query: String, on connection: PostgresConnection) throws -> Int64 {
        try #require(try connection.query("""
            INSERT INTO hunts (name, query, target) VALUES ($1, $2, 'flows') RETURNING id
            """, [name, query]).row(0)?.int64(0))
    }

    /// Transaction A stores a flow first (lower batch id, lower xid) and
    /// commits last; B commits in between. The run between the commits
    /// sees B only; the next sees A, which a "highest id seen" cursor would
    /// skip; a third finds nothing; nothing is recorded twice.
    @Test func cursorIsSafeAgainstOutOfOrderCommits() async throws {
        try await TrafficDatabase.with("hunt_cursor") { conninfo in
            let a = try PostgresConnection(conninfo: conninfo)
            let b = try PostgresConnection(conninfo: conninfo)
            let hunter = try PostgresConnection(conninfo: conninfo)
            var partitions = PartitionManager()
            try partitions.ensure(.flows, coveringTimes: [Self.day], on: hunter)
            let id = try Self.addHunt("web", "tcp && port == 80", on: hunter)
            let run = HuntRun(packets: IndexedPackets(connection: hunter, reader: PacketIndexReader(root: "/nonexistent")),
                              timeoutSeconds: 30)

            #expect(try run.run(id, .now) == .ran(matched: 0))
            try a.begin()
            try Self.storeFlow(key: 1, on: a)
            try b.transaction { try Self.storeFlow(key: 2, on: $0) }
            #expect(try run.run(id, .now) == .ran(matched: 1))
            #expect(try Self.matchedKeys(id, hunter) == [2])

            try a.commit()
            let order = try hunter.query("SELECT min(id) < max(id), min(xid::text::bigint) < max(xid::text::bigint) FROM batches")
            #expect(order.row(0)?.bool(0) == true && order.row(0)?.bool(1) == true, "A's batch is the older one")
            #expect(try run.run(id, .now) == .ran(matched: 1))
            #expect(try Self.matchedKeys(id, hunter) == [2, 1])
            #expect(try run.run(id, .now) == .ran(matched: 0))

            // A later report of a matched flow makes it new again, but it is
            // recorded once; a hunt it now matches records it. Storage
            // updates the row in place and lists it in `flow_updates`.
            let grown = try Self.addHunt("grown", "flow.packets >= 2", on: hunter)
            #expect(try run.run(grown, .now) == .ran(matched: 0))
            try b.transaction { connection in
                let batch = try connection.query("""
                    INSERT INTO batches (producer, sequence, packet_count, flow_count) VALUES ($1, 1, 0, 1) RETURNING id
                    """, [UUID()]).row(0)?.int64(0)
                try connection.query("UPDATE flows SET src_packets = 2 WHERE flow_key = 2")
                try connection.query("INSERT INTO flow_updates (batch_id, flow_keys, starts) VALUES ($1, '{2}', ARRAY[$2::bigint])",
                                     [batch, Self.day + 2])
            }
            #expect(try run.run(id, .now) == .ran(matched: 0))
            #expect(try run.run(grown, .now) == .ran(matched: 1))
            #expect(try Self.matchedKeys(grown, hunter) == [2])
            let hunt = try #require(try hunter.query("SELECT matched, cursor IS NOT NULL, last_error FROM hunts WHERE id = $1",
                                                     [id]).row(0))
            #expect(hunt.int64(0) == 2 && hunt.bool(1) == true && hunt.string(2) == nil)
        }
    }

    /// A hunt that fails records why and waits its interval; the scheduler
    /// runs the others.
    @Test func aFailingHuntDoesNotStopTheOthers() async throws {
        try await TrafficDatabase.with("hunt_failure") { conninfo in
            let connection = try PostgresConnection(conninfo: conninfo)
            var partitions = PartitionManager()
            try partitions.ensure(.flows, coveringTimes: [Self.day], on: connection)
            try connection.transaction { try Self.storeFlow(key: 7, on: $0) }
            let broken = try Self.addHunt("broken", "port = 80", on: connection)
            let good = try Self.addHunt("good", "tcp", on: connection)
            let disabled = try Self.addHunt("off", "tcp", on: connection)
            try connection.query("UPDATE hunts SET enabled = false WHERE id = $1", [disabled])

            let scheduler = HuntScheduler(conninfo: conninfo, pcapRoot: "/nonexistent", defaultIntervalSeconds: 3_600,
                                          timeoutSeconds: 30,
                                          logger: Logger(label: "test"))
            let stopped = DispatchSemaphore(value: 0)
            Thread {
                try? scheduler.run()
                stopped.signal()
            }.start()
            defer {
                scheduler.stop()
                stopped.wait()
            }
            var rows: [[String?]] = []
            for _ in 0 ..< 100 {
                rows = try connection.query("SELECT id, last_run_at IS NOT NULL, last_error, matched FROM hunts ORDER BY id").rows
                // The counters move after a hunt's row is written.
                if rows.filter({ $0[1] == "t" }).count == 2, scheduler.counters.get().runs == 2 { break }
                Thread.sleep(forTimeInterval: 0.1)
            }
            #expect(rows.count == 3)
            #expect(rows[0][0] == String(broken) && rows[0][1] == "t" && (rows[0][2] ?? "").contains("no longer compiles"),
                    "\(rows)")
            #expect(rows[1][0] == String(good) && rows[1][1] == "t" && rows[1][2] == nil && rows[1][3] == "1", "\(rows)")
            #expect(rows[2][1] == "f", "a disabled hunt does not run")
            #expect(scheduler.counters.get().failures == 1 && scheduler.counters.get().matched == 1)
            // Not due again for an hour: a second pass runs nothing.
            Thread.sleep(forTimeInterval: 1.5)
            #expect(scheduler.counters.get().runs == 2)
        }
    }
}
