import TestSupport
import Dissection
import Flows
import Foundation
import Testing

/// Values from the Community ID spec's README (github.com/corelight/community-id-spec).
@Suite struct CommunityIDTests {
    static func tuple(_ proto: UInt8, ports: Bool = true) -> FlowTuple {
        FlowTuple(source: ip("1.2.3.4"), destination: ip("5.6.7.8"), protocolNumber: proto,
                  sourcePort: ports ? 1122 : nil, destinationPort: ports ? 3344 : nil)
    }

    @Test(arguments: [(UInt8(6), "1:wCb3OG7yAFWelaUydu0D+125CLM="),
                      (17, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg="),
                      (132, "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=")])
    func portProtocols(proto: UInt8, expected: String) {
        let t = Self.tuple(proto)
        #expect(CommunityID().compute(t) == expected)
        #expect(CommunityID().compute(t.reversed) == expected, "direction-independent")
    }

    @Test func seedOne() {
        #expect(CommunityID(seed: 1).compute(Self.tuple(6)) == "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=")
    }

    @Test func icmpEchoFromDecodedPackets() throws {
        let request = dissect(Build.ipv4(src: "1.2.3.4", dst: "5.6.7.8", proto: 1, payload: Build.echo(type: 8, id: 1, seq: 1)), .raw)
        let reply = dissect(Build.ipv4(src: "5.6.7.8", dst: "1.2.3.4", proto: 1, payload: Build.echo(type: 0, id: 1, seq: 1)), .raw)
        let tq = try #require(FlowTuple(request))
        let tr = try #require(FlowTuple(reply))
        #expect(CommunityID().compute(tq) == "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=")
        #expect(CommunityID().compute(tr) == "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=")
        #expect(FlowKey.canonical(tq, vlans: VLANStack()).key == FlowKey.canonical(tr, vlans: VLANStack()).key)
    }

    @Test func icmpTimeExceededIsOneWay() throws {
        let p = dissect(Build.ipv4(src: "1.2.3.4", dst: "5.6.7.8", proto: 1, payload: Build.icmp(type: 11, code: 0)), .raw)
        let t = try #require(FlowTuple(p))
        #expect(t.isOneWay && t.sourcePort == 11 && t.destinationPort == 0)
        #expect(CommunityID().compute(t) == "1:f/YiSyWqczrTgfUCZlBUnvHRcPk=")
    }

    @Test func protocolWithoutPorts() throws {
        let p = dissect(Build.ipv4(src: "1.2.3.4", dst: "5.6.7.8", proto: 46, payload: Build.bytes(8)), .raw)
        let t = try #require(FlowTuple(p))
        #expect(!t.hasPorts)
        #expect(CommunityID().compute(t) == "1:ikv3kmf89luf73WPz1jOs49S768=")
        // Ports given for a protocol the spec does not port do not count.
        #expect(CommunityID().compute(Self.tuple(46)) == "1:ikv3kmf89luf73WPz1jOs49S768=")
    }

    @Test func hexFormIsTheSameDigest() throws {
        let b64 = CommunityID().compute(Self.tuple(6))
        let hex = CommunityID(base64: false).compute(Self.tuple(6))
        let digest = try #require(Data(base64Encoded: String(b64.dropFirst(2))))
        #expect(hex == "1:" + digest.map { String(format: "%02x", $0) }.joined())
        #expect(hex.count == 42)
    }

    @Test func nonIPHasNoTuple() {
        #expect(FlowTuple(dissect(Build.ethernet(type: 0x0806) + Build.bytes(28))) == nil)
    }
}
