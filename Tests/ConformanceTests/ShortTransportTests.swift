import Capture
import CaptureDecoding
import Dissection
import Foundation
import Testing

/// TCP headers cut short inside an otherwise whole IPv4/IPv6 datagram,
/// built here (no shared capture has 1–19 TCP header bytes) and compared
/// with tshark by the same rules as the shared captures. Both read the
/// ports once 4 bytes are there; neither with fewer.
@Suite("Short transport headers against tshark")
struct ShortTransportTests {
    static func ipv4(_ payload: [UInt8], proto: UInt8) -> [UInt8] {
        let total = 20 + payload.count
        return [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00,
                0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 1, 0, 0, 64, proto, 0, 0,
                10, 0, 0, 1, 10, 0, 0, 2] + payload
    }

    static func ipv6(_ payload: [UInt8], proto: UInt8) -> [UInt8] {
        var frame: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x86, 0xdd,
                              0x60, 0, 0, 0, UInt8(payload.count >> 8), UInt8(payload.count & 0xff), proto, 64]
        frame += [0xfd, 1] + [UInt8](repeating: 0, count: 13) + [1]
        frame += [0xfd, 2] + [UInt8](repeating: 0, count: 13) + [2]
        return frame + payload
    }

    /// A 20-byte TCP header (ports 1234 > 80, seq 5, SYN) with data offset `offsetWords`.
    static func tcpHeader(offsetWords: UInt8 = 5) -> [UInt8] {
        [0x04, 0xd2, 0x00, 0x50, 0, 0, 0, 5, 0, 0, 0, 0, offsetWords << 4, 0x02, 0x20, 0x00, 0, 0, 0, 0]
    }

    /// Writes the frames as a capture, decodes it, and compares every frame
    /// with tshark's fields and pdml by the rules the shared captures use.
    static func compareWithTShark(_ frames: [[UInt8]], name: String) throws -> (DecodeRun, [UInt64: TSharkRow]) {
        var writer = PcapWriter(linkType: .ethernet)
        for (i, f) in frames.enumerated() { writer.append(timestamp: Int64(i) * 1_000_000, frame: f) }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("netsift-synthetic-\(UUID().uuidString).pcap")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(writer.bytes).write(to: url)

        let run = try decodeCapture(url.path)
        try #require(run.frames.count == frames.count)
        let rows = try TSharkFields.rows(url.path)
        var m = Mismatches(file: name)
        for r in run.frames {
            guard let row = rows[r.number] else { continue }
            TSharkFieldsTests().compare(r, row, &m)
        }
        let pdmlFile = url.appendingPathExtension("pdml")
        defer { try? FileManager.default.removeItem(at: pdmlFile) }
        try TShark.run(["-n", "-r", url.path, "-T", "pdml", "-j", TSharkOffsetsTests.protoFilter], to: pdmlFile)
        let packets = try PDMLReader.read(pdmlFile)
        try #require(packets.count == run.frames.count)
        for (r, pdml) in zip(run.frames, packets) { TSharkOffsetsTests().compare(r, pdml, &m) }
        m.record()
        return (run, rows)
    }

    @Test("TCP 0/2/4/8/16 bytes, bad data offset; UDP 4 bytes",
          .enabled(if: TShark.available, "tshark not on PATH"))
    func shortHeaders() throws {
        let tcp = Self.tcpHeader()
        let payloads: [[UInt8]] = [[], Array(tcp.prefix(2)), Array(tcp.prefix(4)), Array(tcp.prefix(8)), Array(tcp.prefix(16))]
        var frames: [[UInt8]] = payloads.map { Self.ipv4($0, proto: IPProtocol.tcp) }
        frames += payloads.map { Self.ipv6($0, proto: IPProtocol.tcp) }
        frames.append(Self.ipv4(Self.tcpHeader(offsetWords: 4), proto: IPProtocol.tcp))
        frames.append(Self.ipv4([0x81, 0x58, 0x00, 0x35], proto: IPProtocol.udp))
        let (run, _) = try Self.compareWithTShark(frames, name: "short-tcp (synthetic)")

        // What each does, pinned: ports from 4 header bytes on, the anomaly below 20.
        for (i, expectPorts) in [false, false, true, true, true].enumerated() {
            for r in [run.frames[i], run.frames[i + 5]] {
                #expect(r.packet.hasPorts == expectPorts, "frame \(r.number)")
                #expect(r.packet.anomalies.contains(.tcpHeaderTruncated), "frame \(r.number)")
            }
        }
        #expect(run.frames[10].packet.anomalies.contains(.tcpBadDataOffset))
    }

    /// The shared captures hold no tunnel: GRE, IP-in-IP and Teredo built
    /// here. tshark decodes the inner packet; NetSift reports the outer IP
    /// layer and the layer right after it, which is what is compared.
    @Test("tunnels: outer layer compared", .enabled(if: TShark.available, "tshark not on PATH"))
    func tunnels() throws {
        let inner = Array(Self.ipv4(Self.tcpHeader(), proto: IPProtocol.tcp).dropFirst(14))
        let inner6 = Array(Self.ipv6(Self.tcpHeader(), proto: IPProtocol.tcp).dropFirst(14))
        let gre: [UInt8] = [0x00, 0x00, 0x08, 0x00] + inner
        let teredoUDP: [UInt8] = [0x0d, 0xd8, 0x0d, 0xd8, UInt8((8 + inner6.count) >> 8), UInt8((8 + inner6.count) & 0xff), 0, 0] + inner6
        let frames = [
            Self.ipv4(gre, proto: IPProtocol.gre),
            Self.ipv4(inner, proto: 4),        // IPv4 in IPv4
            Self.ipv4(inner6, proto: 41),      // IPv6 in IPv4 (6in4)
            Self.ipv4(teredoUDP, proto: IPProtocol.udp),
        ]
        let (run, rows) = try Self.compareWithTShark(frames, name: "tunnels (synthetic)")
        // tshark must actually have decoded inside each, or the case proves nothing.
        #expect(rows[1]?.protocols.suffix(3) == ["gre", "ip", "tcp"])
        #expect(rows[2]?.protocols.suffix(3) == ["ip", "ip", "tcp"])
        #expect(rows[3]?.protocols.suffix(3) == ["ip", "ipv6", "tcp"])
        #expect(rows[4]?.protocols.contains("teredo") == true)
        #expect(run.frames[3].packet.hasPorts && run.frames[3].packet.sourcePort == 3544)
    }
}
