import Capture
import Foundation
import Store
import Testing
import TestSupport

/// The hardening issue's findings, each against the real processes.
@Suite(.serialized, .enabled(if: NetSiftSystem.available, NetSiftSystem.skipMessage))
struct HardeningSystemTests {
    static func value(_ answer: (status: Int, body: [String: Any])) -> [String: Any] {
        answer.body["ReturnValue"] as? [String: Any] ?? [:]
    }

    /// 3,000 packets one day apart (8 years, some out of order): every read
    /// route answers with the right counts, later ingests still work, and
    /// the packets table has a partition per year, not per day.
    @Test func aCaptureSpanningYearsKeepsEveryReadRouteWorking() throws {
        let system = try NetSiftSystem(decoders: 2)
        defer { system.shutdown() }
        let key = system.adminKey
        let path = system.data + "/years.pcap"
        try SyntheticCapture.writeSpanningDays(to: path, days: 3_000)
        let ingested = system.ingest(path)
        let capture = try #require(NetSiftSystem.captures(in: ingested.stdout).first, "\(ingested.stderr)")
        #expect(ingested.status == 0 && capture.status == "complete", "\(ingested.stdout) \(ingested.stderr)")

        let meta = system.api("/captures/\(capture.id)/meta", key: key)
        #expect(meta.status == 200 && Self.value(meta)["TotalPackets"] as? Int == 3_000, "\(meta)")
        let connections = Self.value(meta)["TotalConnections"] as? Int ?? -1

        var frames: [Int] = []
        var after = 0
        while frames.count < 3_000 {
            let page = system.api("/captures/\(capture.id)/packets?after=\(after)&limit=1000", key: key)
            let packets = Self.value(page)["Packets"] as? [[String: Any]] ?? []
            guard page.status == 200, !packets.isEmpty else {
                Issue.record("packets after \(after): \(page.status) \(page.body)")
                break
            }
            frames += packets.compactMap { $0["Id"] as? Int }
            after = Self.value(page)["LastPacketId"] as? Int ?? after
        }
        #expect(frames == Array(1 ... 3_000))

        var flows = 0
        var afterFlow = 0
        while true {
            let page = system.api("/captures/\(capture.id)/flows?after=\(afterFlow)&limit=1000", key: key)
            let items = Self.value(page)["Items"] as? [[String: Any]] ?? []
            guard page.status == 200 else { Issue.record("flows: \(page.status) \(page.body)"); break }
            if items.isEmpty { break }
            flows += items.count
            afterFlow = items.compactMap { $0["Id"] as? Int }.max() ?? afterFlow
        }
        #expect(flows == connections && flows >= 20, "\(flows) flows listed, meta says \(connections)")
        let everyFlow = system.api("/flows?limit=1000", key: key)
        #expect(everyFlow.status == 200 && (Self.value(everyFlow)["Items"] as? [Any])?.count == min(1_000, flows))

        // Pair 3 sent every twentieth packet: 150 over the eight years.
        let found = system.api("/search?q=ip.addr%20%3D%3D%2010.9.3.1&as=packets&limit=1000", key: key)
        let results = Self.value(found)["Results"] as? [String: [[String: Any]]] ?? [:]
        #expect(found.status == 200 && results.values.map(\.count).reduce(0, +) == 150, "\(found.status) \(found.body)")
        let asFlows = system.api("/search?q=udp.port%20%3D%3D%205000&as=flows&limit=1000", key: key)
        #expect(asFlows.status == 200 && (Self.value(asFlows)["Items"] as? [Any])?.count == min(1_000, flows))
        let windowed = system.api("/search?q=udp&start=2012-01-01T00:00:00Z&end=2013-01-01T00:00:00Z&limit=1000", key: key)
        let inWindow = (Self.value(windowed)["Results"] as? [String: [[String: Any]]] ?? [:]).values.map(\.count).reduce(0, +)
        #expect(windowed.status == 200 && inWindow == 366, "2012: \(inWindow) packets, \(windowed.status)")
        #expect(system.api("/stats", key: key).status == 200)

        let file = system.data + "/years-download.pcap"
        #expect(system.download("/captures/\(capture.id)/pcap", key: key, to: file) == 200)
        #expect(try TrafficAPISystemTests.frames(file) == TrafficAPISystemTests.frames(path))
        let firstFlow = system.api("/captures/\(capture.id)/flows?limit=1", key: key)
        if let id = (Self.value(firstFlow)["Items"] as? [[String: Any]])?.first?["Id"] as? Int {
            #expect(system.download("/flows/\(id)/pcap", key: key, to: file) == 200)
            #expect(try TrafficAPISystemTests.frames(file).count == 1)
        } else {
            Issue.record("no flow: \(firstFlow)")
        }

        // A later ingest still works.
        let later = system.data + "/later.pcap"
        try SyntheticCapture.write(to: later, flows: 50, packetsPerFlow: 10, seconds: 5)
        let second = system.ingest(later)
        let secondCapture = NetSiftSystem.captures(in: second.stdout).first
        #expect(second.status == 0 && secondCapture?.status == "complete", "\(second.stdout) \(second.stderr)")
        let secondMeta = system.api("/captures/\(secondCapture?.id ?? 0)/meta", key: key)
        #expect(Self.value(secondMeta)["TotalPackets"] as? Int == 500)

        let partitions = try system.database().query("""
            SELECT count(*) FROM pg_inherits WHERE inhparent = 'packets'::regclass
            """).scalar.flatMap { Int($0) } ?? -1
        #expect(partitions > 0 && partitions <= 12, "\(partitions) packet partitions for 9 calendar years")
    }
}
