import Formats
import Foundation
import PostgresClient
import QueryLanguage
@testable import Search
import TestSupport
import Testing
import Wire

/// Packets searches answered from the packet index give what the same
/// query compiled to SQL over the `packets` table gives, for every kind of
/// field: the packet's own, its flow's, its flow's events', its capture's
/// sensor, under negation and in a window, over real captures stored by two
/// decoders.
@Suite(.serialized, .postgresServer("indexsearch"),
       .enabled(if: PostgresTestServer.binariesInstalled && SharedCaptures.available, PostgresTestServer.skipMessage))
struct PacketIndexSearchTests {
    static let queries = [
        "tcp", "udp", "!tcp", "ipv6", "ip", "arp", "vlan", "icmp || icmpv6",
        "ip.addr == 192.168.0.0/16", "ip.src == 10.0.0.0/8 && tcp", "ip.addr != 192.168.1.1",
        "ip.dst == ff02::/16", "ip.src exists", "!(ip.dst exists)",
        "port == 80", "port != 80", "tcp.port in {80, 443, 8000..8100}", "port in {53, 67..68}",
        "udp.dstport == 53", "tcp.srcport < 1024", "source.port exists",
        "packet.size > 200 && !(port == 80)", "proto == udp && !(port == 53)", "packet.caplen <= 60 || vlan",
        "frame.number <= 10", "frame.number < 5", "frame.number > 5", "frame.number >= 5", "frame.number in {1, 3, 5..7}", "vlan.id == 32", "vlan.id != 32",
        "network.transport == 58", "capture.id == 2",
        "sensor == index-sensor", "sensor != nobody", "observer.name contains index",
        "community_id exists", "flow.bytes > 10000", "flow.packets <= 2 && udp", "!(flow.duration >= 1)",
        "dns", "dns.question.name contains example", "!dns && udp", "http.request.method == GET",
        "tls.server.name exists || http", "dhcp", "icmp && packet.size > 90",
    ]

    @Test func everyQueryFindsWhatTheTableHolds() throws {
        let server = try PostgresTestServer.require()
        let pipeline = try InProcessPipeline(server: server, decoders: 2)
        let paths = ["http", "dns", "vlan", "fragments", "dhcp", "tls", "icmp", "ipv6", "malformed"]
            .flatMap { SharedCaptures.captures(in: $0).prefix(4) }
        let results = try pipeline.ingest(paths, sensorName: "index-sensor")
        pipeline.stop()
        #expect(results.count == paths.count)
        let db = try PostgresConnection(conninfo: server.conninfo)
        let engine = try SearchEngine(conninfo: server.conninfo, pcapRoot: pipeline.pcapRoot)
        let middle = try #require(try db.query("SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY ts_ns) FROM packets")
            .row(0)?.int64(0))
        var nonEmpty = 0
        for query in Self.queries {
            for window in [TimeWindow(), TimeWindow(start: middle), TimeWindow(end: middle)] {
                let found = try FlowScopeTests.found(query, engine: engine, limit: 97, start: window.start, end: window.end)
                let condition = try QueryCompiler.compile(query, for: .packets, window: window)
                let truth = try db.query("""
                    SELECT p.capture_id || ':' || p.frame_number FROM packets p WHERE \(condition.text)
                    ORDER BY p.capture_id, p.frame_number
                    """, condition.values).rows.compactMap { $0[0] ?? nil }
                #expect(found == truth, "\(query) in \(window): \(found.count) found, \(truth.count) in the table")
                if !truth.isEmpty { nonEmpty += 1 }
            }
        }
        #expect(nonEmpty > Self.queries.count * 2)

        // A page carries what the packets table says of each packet.
        let page = try engine.search(QueryMessage.SearchRequest(query: "frame.number > 0", target: .packets, limit: 300))
        let stored = try #require(try db.query("SELECT count(*) FROM packets").row(0)?.int64(0))
        #expect(page.packets.count == min(300, Int(stored)) && stored > 300, "\(stored) packets stored")
        for found in page.packets {
            let row = try #require(try db.query("""
                SELECT \(SearchEngine.packetColumns) FROM packets p LEFT JOIN segments s ON s.id = p.segment_id
                LEFT JOIN LATERAL (SELECT id FROM flows WHERE flow_key = p.flow_key LIMIT 1) fl ON true
                WHERE p.capture_id = $1 AND p.frame_number = $2
                """, [Int64(found.captureID), Int64(found.packet.frame)]).row(0))
            #expect(SearchEngine.packet(row) == found.packet)
        }
    }
}
