import Events
import Dissection
import PropertyBased
import TestSupport
import Testing
@testable import Protocols

enum DHCPBuild {
    /// A message with `options` (code, value) after the cookie, END added.
    static func message(op: UInt8 = 1, xid: UInt32 = 0x0102_0304, yiaddr: [UInt8] = [0, 0, 0, 0],
                        options: [(UInt8, [UInt8])], file: [UInt8] = [], sname: [UInt8] = []) -> [UInt8] {
        var b: [UInt8] = [op, 1, 6, 0]
        b += [UInt8(xid >> 24), UInt8(xid >> 16 & 0xff), UInt8(xid >> 8 & 0xff), UInt8(xid & 0xff)]
        b += [0, 3, 0x80, 0] + [0, 0, 0, 0] + yiaddr + [0, 0, 0, 0] + [0, 0, 0, 0]
        b += [0x00, 0x11, 0x32, 0x17, 0x49, 0xf0] + [UInt8](repeating: 0, count: 10)
        b += sname + [UInt8](repeating: 0, count: 64 - sname.count) + file + [UInt8](repeating: 0, count: 128 - file.count)
        b += [0x63, 0x82, 0x53, 0x63]
        for (code, value) in options { b += [code, UInt8(value.count)] + value }
        return b + [255]
    }

    static func parse(_ bytes: [UInt8]) throws -> DHCPMessage { try bytes.withUnsafeBytes { try DHCPParser().parse($0) } }
}

@Suite struct DHCPParserTests {
    @Test func fixedFieldsAndDecodedOptions() throws {
        let m = try DHCPBuild.parse(DHCPBuild.message(op: 2, yiaddr: [10, 0, 0, 5], options: [
            (53, [5]), (54, [10, 0, 0, 1]), (51, [0, 0, 0x0e, 0x10]), (58, [0, 0, 6, 0x91]), (59, [0, 0, 0x0b, 0xd7]),
            (1, [255, 255, 0, 0]), (3, [10, 0, 0, 1]), (6, [10, 0, 0, 1, 8, 8, 8, 8]), (15, Array("lan".utf8)),
            (12, Array("nas1".utf8) + [0]), (60, Array("MSFT 5.0".utf8)), (61, [1, 0, 0x11, 0x32, 0x17, 0x49, 0xf0]),
            (55, [1, 3, 15, 6]), (50, [10, 0, 0, 5]), (81, [0x05, 0, 0, 4] + Array("host".utf8) + [3] + Array("lan".utf8) + [0]),
            (82, [1, 3, 0x61, 0x62, 0x63, 2, 1, 9]), (77, [3] + Array("abc".utf8) + [2] + Array("de".utf8)),
        ]))
        #expect(m.op == 2 && m.transactionID == 0x0102_0304 && m.broadcast && m.seconds == 3)
        #expect(m.clientMAC == "00:11:32:17:49:f0" && m.yourAddress.description == "10.0.0.5" && m.error == nil)
        let o = m.decoded
        #expect(o.messageType == 5 && o.serverIdentifier?.description == "10.0.0.1" && o.leaseTime == 3600)
        #expect(o.renewalTime == 1681 && o.rebindingTime == 3031 && o.subnetMask?.description == "255.255.0.0")
        #expect(o.dnsServers.map(\.description) == ["10.0.0.1", "8.8.8.8"] && o.domainName == "lan" && o.hostname == "nas1")
        #expect(o.vendorClass == "MSFT 5.0" && o.parameterRequestList == [1, 3, 15, 6] && o.clientFQDN?.domainName == "host.lan")
        #expect(o.relayAgent == [DHCPRelaySubOption(code: 1, value: [0x61, 0x62, 0x63]), DHCPRelaySubOption(code: 2, value: [9])])
        #expect(o.userClass == ["abc", "de"])
        #expect(m.options.map(\.code) == [53, 54, 51, 58, 59, 1, 3, 6, 15, 12, 60, 61, 55, 50, 81, 82, 77])
        let f = DHCPTransaction(message: m, time: 1, direction: .toClient).fields
        #expect(f[field: "dhcp.message_type"] == .string("ACK"))
        #expect(f[field: "dhcp.transaction_id"] == .string("0x01020304"))
        #expect(f[field: "dhcp.client_id"] == .string("00:11:32:17:49:f0"))
        #expect(f[field: "dhcp.parameter_request_list"] == .strings(["subnet_mask", "router", "domain", "dns_server"]))
    }

    @Test func overloadedFileAndSnameCarryOptions() throws {
        let m = try DHCPBuild.parse(DHCPBuild.message(options: [(53, [1]), (52, [3])], file: [12, 2, 0x61, 0x62, 255],
                                                      sname: [15, 1, 0x7a, 255]))
        #expect(m.decoded.hostname == "ab" && m.decoded.domainName == "z")
        #expect(m.options.map(\.area) == [.options, .options, .file, .sname] && m.bootFile.isEmpty)
    }

    @Test func faultsAreFlagged() throws {
        #expect(throws: ParseError.self) { try DHCPBuild.parse([1, 1, 6, 0]) }
        let cut = try DHCPBuild.parse(Array(DHCPBuild.message(options: [(12, Array("abcdef".utf8))]).dropLast(4)))
        #expect(cut.error?.kind == .truncated && cut.error?.offset == 240)
        let badLength = try DHCPBuild.parse(DHCPBuild.message(options: [(51, [1, 2]), (53, [3])]))
        #expect(badLength.error?.kind == .malformed && badLength.decoded.messageType == 3)
        var cookie = DHCPBuild.message(options: [])
        cookie[236] = 0
        #expect(try DHCPBuild.parse(cookie).error?.kind == .malformed)
        var session = DHCPSession()
        let out = [UInt8](repeating: 0, count: 10).withUnsafeBytes { session.receive($0, direction: .toServer, time: 0) }
        #expect(out.first?.firstError?.kind == .truncated)
    }

    @Test func conversationsJoinByTransactionID() throws {
        var conversations = DHCPConversations()
        let zero = IPAddress(v4: 0), all = IPAddress(v4: 0xffff_ffff), server = IPAddress(v4: 0x0a00_0001)
        func tx(_ bytes: [UInt8], _ t: Int64) throws -> DHCPTransaction { DHCPTransaction(message: try DHCPBuild.parse(bytes), time: t, direction: .toServer) }
        var done = conversations.add(try tx(DHCPBuild.message(options: [(53, [1]), (12, Array("pc".utf8))]), 0), source: zero, destination: all, flow: 1)
        done += conversations.add(try tx(DHCPBuild.message(op: 2, yiaddr: [10, 0, 0, 9], options: [(53, [2]), (51, [0, 0, 0, 60])]), 1), source: server, destination: all, flow: 2)
        #expect(done.isEmpty)
        done += conversations.advance(to: 7_000_000_000)
        #expect(done.count == 1)
        let c = try #require(done.first)
        #expect(c.messageTypes == ["DISCOVER", "OFFER"] && c.flows == [1, 2] && c.hostname == "pc" && c.leaseTime == 60)
        #expect(c.assignedAddress?.description == "10.0.0.9" && c.clientAddress?.description == "10.0.0.9" && c.serverAddress == server)
        #expect(c.mac == "00:11:32:17:49:f0" && c.duration == 1)
    }

    @Test func sniff() {
        #expect(DHCPBuild.message(options: [(53, [1])]).withUnsafeBytes { DHCPModule.sniff($0, direction: .toServer) })
        #expect(!DNSBuild.query().withUnsafeBytes { DHCPModule.sniff($0, direction: .toServer) })
    }

    static let seeds = [DHCPBuild.message(options: [(53, [1]), (52, [3]), (82, [1, 1, 1])], file: [12, 1, 0x61, 255])]

    /// Messages from the shared captures: the test that mutates them skips without them.
    static let captured: [[UInt8]] = {
        var out: [[UInt8]] = []
        for capture in SharedCaptures.captures(in: "dhcp") + SharedCaptures.captures(in: "malformed") { out += ((try? CapturePayloads.read(capture)) ?? []).map(\.bytes) }
        return out
    }()

    static func check(_ bytes: [UInt8]) -> String? {
        var session = DHCPSession()
        let out = bytes.withUnsafeBytes { session.receive($0, direction: .toServer, time: 0) }
        guard out.count == 1 else { return "\(out.count) transactions" }
        if let m = out[0].message, m.options.count > DHCPLimits().maxOptions { return "\(m.options.count) options" }
        _ = out[0].fields
        return nil
    }

    @Test func fuzzRandomAndMutated() {
        seededCheck(seed: (41, 42, 43, 44), count: 2000, Gen.uint8().array(of: 0...400)) { Self.check($0) }
        Self.mutate(Self.seeds)
    }

    @Test(.enabled(if: SharedCaptures.available, SharedCaptures.skipMessage)) func mutatedRealMessages() {
        #expect(!Self.captured.isEmpty, "nothing read from the shared captures")
        Self.mutate(Self.seeds + Self.captured)
    }

    static func mutate(_ corpus: [[UInt8]]) {
        let mutation = zip(Gen.int(in: 0...3), Gen.int(in: 0...599), Gen.uint16()).map { (t: (Int, Int, UInt16)) -> Mutation in
            switch t.0 {
            case 0: .flip(position: t.1, bit: Int(t.2 & 7))
            case 1: .truncate(length: t.1)
            case 2: .overwrite16(position: t.1, value: [0, 0x34ff, 0x3403, 0xffff, t.2][Int(t.2 % 5)])
            default: .overwrite8(position: t.1, value: [0, 1, 52, 255, UInt8(t.2 & 0xff)][Int(t.2 % 5)])
            }
        }
        let gen = zip(Gen.int(in: 0 ..< corpus.count), mutation.array(of: 1...6))
        seededCheck(seed: (45, 46, 47, 48), count: 6000, gen) { index, mutations in
            var bytes = corpus[index]
            for m in mutations { m.apply(to: &bytes) }
            return Self.check(bytes)
        }
    }
}
