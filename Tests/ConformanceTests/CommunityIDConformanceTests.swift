import Capture
import CaptureDecoding
import Dissection
import Flows
import Foundation
import Testing

/// The spec repository's baselines for `cid_combined.pcap`: one entry per
/// packet direction. For ICMP, sport is the type and dport the counterpart
/// type (or the code when there is none).
struct CommunityIDBaselineEntry: Decodable, Hashable {
    var proto: Int
    var saddr: String
    var daddr: String
    var sport: Int?
    var dport: Int?
    var communityid: String
}

struct DirectionKey: Hashable, CustomStringConvertible {
    var proto: Int
    var source: IPAddress
    var destination: IPAddress
    var sport: Int?
    var dport: Int?

    init(proto: Int, source: IPAddress, destination: IPAddress, sport: Int?, dport: Int?) {
        self.proto = proto
        self.source = source
        self.destination = destination
        self.sport = sport
        self.dport = dport
    }

    init(_ tuple: FlowTuple) {
        self.init(proto: Int(tuple.protocolNumber), source: tuple.source, destination: tuple.destination,
                  sport: tuple.hasPorts ? Int(tuple.sourcePort) : nil,
                  dport: tuple.hasPorts ? Int(tuple.destinationPort) : nil)
    }

    var description: String {
        "proto \(proto) \(source):\(sport.map(String.init) ?? "-") > \(destination):\(dport.map(String.init) ?? "-")"
    }
}

@Suite("Community ID against the spec baselines")
struct CommunityIDConformanceTests {
    struct Configuration: Sendable, CustomTestStringConvertible {
        var baseline: String
        var seed: UInt16
        var base64: Bool
        var testDescription: String { "\(baseline) (seed \(seed), base64 \(base64))" }
    }

    static let configurations = [
        Configuration(baseline: "default", seed: 0, base64: true),
        Configuration(baseline: "seed1", seed: 1, base64: true),
        Configuration(baseline: "nob64", seed: 0, base64: false),
    ]

    static let capture = "community-id/cid_combined.pcap"

    @Test("every flow and packet direction gets the baseline id",
          .enabled(if: SharedPcaps.available, "shared captures not found: set NETSIFT_SHARED or provide <package>/../shared/pcaps"),
          arguments: configurations)
    func baseline(_ configuration: Configuration) throws {
        let baselinePath = SharedPcaps.path("community-id/cid_combined.communityid-\(configuration.baseline).json")
        let entries = try JSONDecoder().decode([CommunityIDBaselineEntry].self,
                                               from: Data(contentsOf: URL(fileURLWithPath: baselinePath)))
        try #require(!entries.isEmpty)
        var expected: [DirectionKey: String] = [:]
        for e in entries {
            let source = try #require(IPAddress(e.saddr), "baseline address \(e.saddr)")
            let destination = try #require(IPAddress(e.daddr), "baseline address \(e.daddr)")
            expected[DirectionKey(proto: e.proto, source: source, destination: destination,
                                  sport: e.sport, dport: e.dport)] = e.communityid
        }

        var config = DecoderConfig()
        config.flows.communityID = CommunityID(seed: configuration.seed, base64: configuration.base64)
        let run = try decodeCapture(SharedPcaps.path(Self.capture), config: config)
        #expect(run.failure == nil)
        #expect(run.frames.count == 68, "cid_combined.pcap has 68 packets")

        // Per packet direction: the id of the flow it was counted into.
        var matched = Set<DirectionKey>()
        var ipPackets = 0
        for r in run.frames {
            guard let tuple = FlowTuple(r.packet) else {
                #expect(r.flow == nil, "frame \(r.number): non-IP frame counted into a flow")
                continue
            }
            ipPackets += 1
            let key = DirectionKey(tuple)
            guard let want = expected[key] else {
                Issue.record("\(Self.capture) frame \(r.number): no baseline entry for \(key)")
                continue
            }
            matched.insert(key)
            let got = r.flow?.communityID ?? "no flow"
            #expect(got == want, "\(Self.capture) frame \(r.number) \(key): netsift=\(got) baseline=\(want)")
        }
        #expect(ipPackets > 0)

        // Per flow report, oriented from the initiator.
        #expect(!run.flows.isEmpty)
        for report in run.flows {
            let key = DirectionKey(report.tuple)
            guard let want = expected[key] else {
                Issue.record("\(Self.capture) flow from frame \(report.firstFrame): no baseline entry for \(key)")
                continue
            }
            #expect(report.communityID == want,
                    "\(Self.capture) flow from frame \(report.firstFrame) \(key): netsift=\(report.communityID) baseline=\(want)")
        }

        for key in Set(expected.keys).subtracting(matched) {
            Issue.record("baseline entry \(key) (\(expected[key] ?? "")) matched by no packet")
        }
    }
}
