import Capture
import CaptureDecoding
import Dissection
import Events
import Flows
import Foundation
import PropertyBased
import Protocols
import TestSupport
import Testing

/// ICMP messages of a capture paired per flow, as the decoder will.
struct ICMPRun {
    var transactions: [ICMPTransaction] = []
    var types: [UInt64: (type: UInt8, code: UInt8)] = [:]

    init(_ path: String) throws {
        struct Sink: DecodeSink {
            var sessions: [UInt64: ICMPSession] = [:]
            var run = ICMPRun(empty: ())
            mutating func packet(_ frame: Frame, _ packet: DecodedPacket, flow: FlowTable.Ref?,
                                 reassembled: [FragmentReassembler.Piece]?) {
                guard let info = packet.icmp, let flow else { return }
                let version: UInt8 = packet.l4Type == IPProtocol.icmpv6 ? 6 : 4
                run.types[frame.number] = (info.type, info.code)
                let start = Int(packet.l5Offset), end = start + Int(packet.l5Length)
                let payload = start >= 0 && end <= frame.bytes.count && packet.l5Length > 0
                    ? UnsafeRawBufferPointer(rebasing: frame.bytes[start ..< end]) : UnsafeRawBufferPointer(start: nil, count: 0)
                var session = sessions[flow.id] ?? ICMPSession(version: version)
                run.transactions += session.receive(info, payload: payload,
                                                    direction: flow.fromInitiator ? .toServer : .toClient,
                                                    time: frame.timestamp, frame: frame.number)
                sessions[flow.id] = session
            }
            mutating func flow(_ report: FlowReport) {}
        }
        let reader = try PcapFileReader(path: path)
        var decoder = CaptureDecoder(captureID: 1)
        var sink = Sink()
        while case .frame(let frame) = reader.next() { decoder.decode(frame, into: &sink) }
        decoder.finish(into: &sink)
        for key in sink.sessions.keys.sorted() {
            if var session = sink.sessions[key] { sink.run.transactions += session.finish() }
        }
        self = sink.run
    }

    private init(empty: Void) {}
}

@Suite struct ICMPSessionTests {
    static func info(_ type: UInt8, _ code: UInt8 = 0, id: UInt16? = nil, sequence: UInt16? = nil) -> ICMPInfo {
        ICMPInfo(type: type, code: code, echoID: id, echoSequence: sequence)
    }

    static var none: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: nil, count: 0) }

    @Test func echoRepliesPairByIdentifierAndSequence() {
        var session = ICMPSession(version: 4)
        #expect(session.receive(Self.info(8, id: 7, sequence: 1), payload: Self.none, direction: .toServer, time: 100, frame: 1).isEmpty)
        #expect(session.receive(Self.info(8, id: 7, sequence: 2), payload: Self.none, direction: .toServer, time: 200, frame: 2).isEmpty)
        let second = session.receive(Self.info(0, id: 7, sequence: 2), payload: Self.none, direction: .toClient, time: 260, frame: 3)
        #expect(second.count == 1 && second[0].request?.frame == 2 && second[0].roundTrip == 60)
        let first = session.receive(Self.info(0, id: 7, sequence: 1), payload: Self.none, direction: .toClient, time: 400, frame: 4)
        #expect(first.first?.roundTrip == 300)
        let stray = session.receive(Self.info(0, id: 9, sequence: 1), payload: Self.none, direction: .toClient, time: 500, frame: 5)
        #expect(stray.first?.request == nil && stray.first?.response?.frame == 5)
        #expect(session.finish().isEmpty)
    }

    @Test func unansweredRequestsComeOutAtTimeoutOrFinish() {
        var session = ICMPSession(version: 6, transactionTimeout: 1_000, maxPending: 2)
        _ = session.receive(Self.info(128, id: 1, sequence: 1), payload: Self.none, direction: .toServer, time: 0, frame: 1)
        let late = session.receive(Self.info(128, id: 1, sequence: 2), payload: Self.none, direction: .toServer, time: 5_000, frame: 2)
        #expect(late.count == 1 && late[0].request?.frame == 1 && late[0].response == nil)
        _ = session.receive(Self.info(128, id: 1, sequence: 3), payload: Self.none, direction: .toServer, time: 5_001, frame: 3)
        let full = session.receive(Self.info(128, id: 1, sequence: 4), payload: Self.none, direction: .toServer, time: 5_002, frame: 4)
        #expect(full.map { $0.request?.frame } == [2], "the oldest is given up past maxPending")
        #expect(session.finish().compactMap { $0.request?.frame } == [3, 4])
        #expect(session.counters.unanswered == 4 && session.counters.evicted == 1)
    }

    @Test func neighbourDiscoveryPairsByTargetAndReadsTheLinkLayerOption() {
        var session = ICMPSession(version: 6)
        let target: [UInt8] = [0xfe, 0x80] + Array(repeating: 0, count: 13) + [1]
        let solicitation = target + [1, 1, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a]
        let advertisement = target + [2, 1, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b]
        solicitation.withUnsafeBytes { bytes in
            #expect(session.receive(Self.info(135), payload: bytes, direction: .toServer, time: 1, frame: 1).isEmpty)
        }
        advertisement.withUnsafeBytes { bytes in
            let done = session.receive(Self.info(136), payload: bytes, direction: .toClient, time: 3, frame: 2)
            #expect(done.count == 1 && done[0].request?.frame == 1 && done[0].target == IPAddress("fe80::1"))
            #expect(done[0].linkLayerAddress == "02:00:00:00:00:0b")
        }
        // Options with length 0 or running past the payload end the option walk, nothing else.
        (target + [1, 0, 9, 9] + [1, 4, 0, 0]).withUnsafeBytes { bytes in
            let alone = session.receive(Self.info(136), payload: bytes, direction: .toClient, time: 4, frame: 3)
            #expect(alone.first?.linkLayerAddress == nil && alone.first?.target == IPAddress("fe80::1"))
        }
        Array(target.prefix(9)).withUnsafeBytes { bytes in
            #expect(session.receive(Self.info(135), payload: bytes, direction: .toServer, time: 5, frame: 4).first?.target == nil)
        }
    }

    @Test func randomNeighbourDiscoveryPayloadsNeverTrap() {
        let generator = zip(Gen.element(of: [UInt8(133), 134, 135, 136, 137]), Gen.uint8().array(of: 0 ... 96))
        var session = ICMPSession(version: 6, maxPending: 8)
        seededCheck(seed: (11, 12, 13, 14), count: 20_000, generator) { (type: UInt8?, bytes: [UInt8]) in
            guard let type else { return nil }
            let out = bytes.withUnsafeBytes { session.receive(Self.info(type), payload: $0, direction: .toServer,
                                                              time: 0, frame: 1) }
            return out.count <= 2 ? nil : "\(out.count) transactions from one message"
        }
    }

    @Test func namesFollowIANA() {
        #expect(ICMPNames.type(3, version: 4) == "Destination Unreachable")
        #expect(ICMPNames.code(3, type: 3, version: 4) == "Port Unreachable")
        #expect(ICMPNames.code(0, type: 8, version: 4) == nil)
        #expect(ICMPNames.type(135, version: 6) == "Neighbor Solicitation")
        #expect(ICMPNames.type(250, version: 6) == "type 250")
        let transaction = ICMPTransaction(version: 4, request: ICMPMessage(type: 3, code: 3, time: 0, frame: 1, direction: .toClient))
        #expect(transaction.fields[field: "icmp.request.message"] == .string("Destination Unreachable (Port Unreachable)"))
    }

    /// Types, codes, response times, neighbour targets and quoted tuples
    /// against tshark on every capture with ICMP.
    @Test(.enabled(if: SharedCaptures.available && FileManager.default.isExecutableFile(atPath: "/usr/bin/tshark"),
                   SharedCaptures.skipMessage))
    func matchesTshark() throws {
        let captures = ["icmp/cs_icmp_echo.pcapng", "icmp/td_icmpv6.pcap", "icmp/zk_icmp-destunreach-udp.pcap",
                        "community-id/cid_combined.pcap", "fragments/cs_ip_frag_source.pcapng",
                        "fragments/cs_ipv6_fragments.pcapng", "ipv6/sv_community-id-ipv6.pcap"]
        var compared = 0
        for name in captures {
            let path = SharedCaptures.path(name)
            let run = try ICMPRun(path)
            var differences: [String] = []
            let rows = TShark.fields(path, ["frame.number", "icmp.type", "icmp.code", "icmp.resptime", "icmpv6.type",
                                            "icmpv6.code", "icmpv6.resptime", "icmpv6.nd.ns.target_address",
                                            "icmpv6.nd.na.target_address", "ip.src", "udp.srcport", "udp.dstport"],
                                     extra: ["-E", "occurrence=a"])
            let byResponse = Dictionary(run.transactions.compactMap { t in t.response.map { ($0.frame, t) } }) { a, _ in a }
            let byAlone = Dictionary(run.transactions.compactMap { t in t.request.map { ($0.frame, t) } }) { a, _ in a }
            for row in rows {
                guard let frame = UInt64(row[0]) else { continue }
                let type = UInt8(row[1].split(separator: ",").first ?? "") ?? UInt8(row[4].split(separator: ",").first ?? "")
                guard let type else { continue }
                compared += 1
                let code = UInt8(row[2].split(separator: ",").first ?? "") ?? UInt8(row[5].split(separator: ",").first ?? "")
                if run.types[frame]?.type != type || run.types[frame]?.code != code {
                    differences.append("frame \(frame) type/code \(String(describing: run.types[frame])) vs \(type)/\(code ?? 0)")
                }
                if let milliseconds = Double(row[3].isEmpty ? row[6] : row[3]) {
                    let ours = byResponse[frame]?.roundTrip.map { Double($0) / 1_000_000 }
                    if ours.map({ abs($0 - milliseconds) > 0.001 }) ?? true {
                        differences.append("frame \(frame) rtt \(String(describing: ours)) vs \(milliseconds) ms")
                    }
                }
                for column in [7, 8] where !row[column].isEmpty {
                    let ours = (byResponse[frame] ?? byAlone[frame])?.target
                    if ours != IPAddress(row[column]) {
                        differences.append("frame \(frame) target \(String(describing: ours)) vs \(row[column])")
                    }
                }
                let sources = row[9].split(separator: ",")
                if sources.count == 2, let quoted = byAlone[frame]?.quoted {
                    if "\(quoted.source)" != sources[1] || (quoted.hasPorts && "\(quoted.sourcePort)" != row[10]) {
                        differences.append("frame \(frame) quoted \(quoted) vs \(sources[1]):\(row[10])")
                    }
                } else if sources.count == 2, ICMPSessionTestsSupport.isError(type, row[4].isEmpty ? 4 : 6) {
                    differences.append("frame \(frame) quoted packet missing")
                }
            }
            print("icmp conformance \(name): \(differences.isEmpty ? "match" : differences.joined(separator: "; "))")
            #expect(differences.isEmpty, "\(name): \(differences)")
        }
        print("icmp conformance: \(compared) messages compared with tshark")
        #expect(compared >= 30)
    }
}

enum ICMPSessionTestsSupport {
    static func isError(_ type: UInt8, _ version: UInt8) -> Bool {
        version == 4 ? [3, 4, 5, 11, 12].contains(type) : [1, 2, 3, 4].contains(type)
    }
}
