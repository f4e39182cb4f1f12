import Database
import Formats
import PostgresClient
import QueryLanguage
import TestSupport
import Testing

@Suite struct TimeWindowTests {
    static let now: Int64 = 1_700_000_000_000_000_000

    @Test func durationsAndInstants() throws {
        #expect(try TimeWindow.parse(last: "15m", now: Self.now) == TimeWindow(start: Self.now - 900_000_000_000))
        #expect(try TimeWindow.parse(last: "2w", now: Self.now).start == Self.now - 1_209_600_000_000_000)
        #expect(try TimeWindow.instant("2023-11-14T22:13:20Z") == Self.now)
        #expect(try TimeWindow.instant("2023-11-14T23:13:20.5+01:00") == Self.now + 500_000_000)
        #expect(try TimeWindow.instant("2023-11-14T22:13:20.000000001z") == Self.now + 1)
        #expect(try TimeWindow.instant("1969-12-31T23:59:59Z") == -1_000_000_000)
        let window = try TimeWindow.parse(after: "2023-11-14T22:13:20Z", before: "2023-11-14T22:13:21Z", now: 0)
        #expect(window == TimeWindow(start: Self.now, end: Self.now + 1_000_000_000))
        #expect(TimeWindow().isOpen)
    }

    @Test func badWindowsAreRefused() {
        let cases: [(String?, String?, String?, String)] = [
            ("15", nil, nil, "not a duration"), ("m", nil, nil, "not a duration"), ("0s", nil, nil, "not a duration"),
            ("-5m", nil, nil, "not a duration"), ("1y", nil, nil, "not a duration"),
            ("99999999999999w", nil, nil, "too long"), ("1h", "2024-01-01T00:00:00Z", nil, "not both"),
            (nil, "yesterday", nil, "RFC 3339"), (nil, "2024-01-01", nil, "RFC 3339"),
            (nil, "2024-01-01T00:00:00.1234567890Z", nil, "RFC 3339"), (nil, "2024-13-01T00:00:00Z", nil, "RFC 3339"),
            (nil, "2024-01-02T00:00:00Z", "2024-01-01T00:00:00Z", "starts at or after"),
        ]
        for (last, after, before, message) in cases {
            do {
                _ = try TimeWindow.parse(last: last, after: after, before: before, now: Self.now)
                Issue.record("\(String(describing: last)) \(String(describing: after)) accepted")
            } catch {
                #expect(error.description.contains(message), "\(error)")
            }
        }
    }

    @Test func theWindowBoundsEveryTableTheConditionReads() throws {
        let window = TimeWindow(start: 10, end: 20)
        let packets = try QueryCompiler.compile("tcp && dns && flow.bytes > 5", for: .packets, window: window)
        #expect(packets.text.hasPrefix("(p.ts_ns >= $1 AND p.ts_ns < $2 AND "))
        #expect(packets.text.contains("FROM dns_events e WHERE e.ts_ns >= $1 AND e.ts_ns < $2 AND true"))
        #expect(packets.text.contains("FROM flows f WHERE (f.end_ns >= $1 AND f.start_ns < $2 AND "))
        #expect(packets.parameters == [.integer(10), .integer(20), .integer(5)])
        let flows = try QueryCompiler.compile("packet.size > 100", for: .flows, firstParameter: 3,
                                              window: TimeWindow(end: 20))
        // Packets only the packet index holds: their flows' keys, found within the window.
        #expect(flows.text == "(f.start_ns < $3 AND COALESCE(f.flow_key = ANY($4::bigint[]), false))")
        let selection = PacketSelection(try QueryParser.parse("packet.size > 100"), window: TimeWindow(end: 20))
        #expect(flows.parameters == [.integer(20), .flowsOf(selection)])
    }
}

/// PostgreSQL prunes the daily partitions outside a window.
@Suite(.enabled(if: PostgresTestServer.binariesInstalled, PostgresTestServer.skipMessage),
       .postgresServer("window"))
struct WindowPruningTests {
    @Test func partitionsOutsideTheWindowAreNotRead() async throws {
        let day = PartitionManager.nanosecondsPerDay
        let first: Int64 = 19_000 * day   // 2022-01-08
        let plans = try await TrafficDatabase.with("window") { conninfo in
            let connection = try PostgresConnection(conninfo: conninfo)
            // Days near "today" get a partition each.
            var partitions = PartitionManager(today: { 19_001 })
            for table in [PartitionManager.Table.flows, .events(.dns)] {
                try partitions.ensure(table, coveringTimes: [first, first + day, first + 2 * day], on: connection)
            }
            var plans: [String] = []
            let events = """
                dns_events e JOIN flows f ON f.flow_key = e.flow_key AND f.capture_id = e.capture_id \
                AND e.ts_ns BETWEEN f.start_ns AND f.end_ns
                """
            for (target, table) in [(QueryTarget.events(table: "dns_events"), events), (.flows, "flows f")] {
                let condition = try QueryCompiler.compile("dns.question.name == x", for: target,
                                                          window: TimeWindow(start: first + day, end: first + 2 * day))
                let parameters: [(any PostgresParameter)?] = condition.parameters.map {
                    switch $0 {
                    case .integer(let value): value
                    case .text(let value): value
                    case .flowsOf: nil
                    }
                }
                let plan = try connection.query("EXPLAIN SELECT count(*) FROM \(table) WHERE \(condition.text)", parameters)
                plans.append(plan.rows.compactMap { $0[0] }.joined(separator: "\n"))
            }
            return plans
        }
        let names = ["20220108", "20220109", "20220110"]
        #expect(plans[0].contains("dns_events_\(names[1])") && !plans[0].contains("dns_events_\(names[0])")
                && !plans[0].contains("dns_events_\(names[2])"), "\(plans[0])")
        // Flows overlap the window: those starting after it are pruned, earlier ones may last into it.
        #expect(plans[1].contains("flows_\(names[1])") && plans[1].contains("flows_\(names[0])")
                && !plans[1].contains("flows_\(names[2])"), "\(plans[1])")
    }
}
