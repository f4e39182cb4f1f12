import Formats
import Foundation
import PostgresClient
import QueryLanguage
import Records
@testable import Search
import TestSupport
import Testing
import Wire

/// Packets searches answered from the packet index give what the same
/// query compiled to SQL over the stored packets gives (`StoredPackets.loadTable`), for every kind of
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
        try StoredPackets.loadTable(db, pcapRoot: pipeline.pcapRoot)
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
                    """, try engine.packets.values(condition.parameters)).rows.compactMap { $0[0] ?? nil }
                #expect(found == truth, "\(query) in \(window): \(found.count) found, \(truth.count) in the table")
                if !truth.isEmpty { nonEmpty += 1 }
            }
        }
        #expect(nonEmpty > Self.queries.count * 2)

        // Flows searches naming what only packets have: the flows with a
        // stored packet that passes, in the window (`P`: the packet's
        // window test, `F`: the flow's).
        let exists = "EXISTS (SELECT 1 FROM packets p WHERE p.flow_key = f.flow_key AND p.capture_id = f.capture_id AND P AND"
        let flowQueries = [
            ("packet.size > 1000", "\(exists) p.wirelen > 1000)"),
            ("frame.number <= 3 && udp", "\(exists) p.frame_number <= 3) AND f.protocol = 17"),
            ("!(packet.caplen < 100) && tcp", "NOT \(exists) p.caplen < 100) AND f.protocol = 6"),
            ("packet.size in {60..80} || port == 53", "(\(exists) p.wirelen BETWEEN 60 AND 80) OR f.src_port = 53 OR f.dst_port = 53)"),
        ]
        var flowsFound = 0
        for (query, sql) in flowQueries {
            for window in [TimeWindow(), TimeWindow(start: middle)] {
                var request = QueryMessage.SearchRequest(query: query, target: .flows, limit: 1_000)
                (request.start, request.end) = (window.start, window.end)
                var found: [UInt64] = []
                while true {
                    let page = try engine.search(request)
                    #expect(page.problem == nil, "\(query): \(String(describing: page.problem))")
                    found += page.flows.map(\.id)
                    guard page.flows.count == request.limit else { break }
                    request.afterID = page.lastID
                }
                let condition = sql.replacingOccurrences(of: "P AND", with: window.start.map { "p.ts_ns >= \($0) AND" } ?? "")
                let truth = try db.query("""
                    SELECT f.id FROM flows f WHERE (\(condition)) \(window.start.map { "AND f.end_ns >= \($0)" } ?? "")
                    ORDER BY f.id
                    """).rows.compactMap { row -> UInt64? in row[0].flatMap { $0 }.flatMap { UInt64($0) } }
                #expect(found == truth, "\(query) in \(window): \(found.count) found, \(truth.count) true")
                flowsFound += truth.count
            }
        }
        #expect(flowsFound > 0)

        // A page carries what the decoder said of each packet.
        let page = try engine.search(QueryMessage.SearchRequest(query: "frame.number > 0", target: .packets, limit: 300))
        #expect(page.packets.count == 300)
        var decoded: [UInt64: [UInt64: PacketRecord]] = [:]
        for result in results where page.packets.contains(where: { $0.captureID == result.captureID }) {
            var frames: [UInt64: PacketRecord] = [:]
            let capture = try DecodedCapture.decode(path: result.path, captureID: result.captureID)
            for batch in capture.batches { for packet in batch.packets { frames[packet.frameNumber] = packet } }
            for batch in capture.batches { for link in batch.links { frames[link.frame]?.flowKey = link.flowKey } }
            decoded[result.captureID] = frames
        }
        for found in page.packets {
            let truth = try #require(decoded[found.captureID]?[found.packet.frame])
            let packet = found.packet
            #expect(packet.time == truth.timestamp && packet.capturedLength == Int(truth.capturedLength)
                    && packet.wireLength == Int(truth.wireLength))
            #expect(packet.source == truth.source?.description && packet.destination == truth.destination?.description)
            #expect(packet.sourcePort == truth.sourcePort.map(Int.init)
                    && packet.destinationPort == truth.destinationPort.map(Int.init))
            #expect(packet.layers == [Int(truth.linkType), Int(truth.l2Length), Int(truth.l3Type), Int(truth.l3Offset),
                                      Int(truth.l3Length), Int(truth.l4Type), Int(truth.l4Offset), Int(truth.l4Length),
                                      Int(truth.l5Offset), Int(truth.l5Length)])
            #expect(packet.anomalies == truth.anomalies.rawValue)
            let flow = try truth.flowKey.flatMap {
                try db.query("SELECT id FROM flows WHERE flow_key = $1", [Int64(bitPattern: $0)]).row(0)?.int64(0)
            }
            #expect(packet.flowID == flow.map(UInt64.init), "frame \(packet.frame) of capture \(found.captureID)")
        }
    }
}
