import Capture
import CaptureDecoding
import Dissection
import Foundation
import Testing

/// The captures under malformed/ are broken on purpose; what is wrong with
/// which frame comes from each file's README, test.yaml/rules (Suricata) or
/// .out (tcpdump), noted per case below.
@Suite("Malformed captures")
struct MalformedCaptureTests {
    static let folder = "malformed"
    static var files: [String] { SharedPcaps.captures.filter { $0.hasPrefix(folder + "/") } }

    @Test("every capture decodes to the end without failing",
          .enabled(if: SharedPcaps.available, "shared captures not found: set NETSIFT_SHARED or provide <package>/../shared/pcaps"),
          arguments: files)
    func decodesWithoutFailure(_ file: String) throws {
        let run = try decodeCapture(SharedPcaps.path(file))
        #expect(run.failure == nil, "\(file): \(run.failure.map { "\($0)" } ?? "")")
        #expect(run.stats.frames == UInt64(run.frames.count))
        for (i, r) in run.frames.enumerated() { #expect(r.number == UInt64(i + 1), "\(file): frame numbering") }
    }

    @Test("the folder holds the cases asserted below",
          .enabled(if: SharedPcaps.available, "shared captures not found"))
    func expectedFilesPresent() {
        for name in ["ark_empty.pcap", "sv_decode-too-small.pcap", "sv_ipv4-truncated.pcap",
                     "td_ipv6-bad-version.pcap", "td_tcp_rst_data-trunc.pcap"] {
            #expect(Self.files.contains("\(Self.folder)/\(name)"), "missing \(name)")
        }
    }

    /// ark_empty.pcap: a global header and no records (Arkime expects no session).
    @Test(.enabled(if: SharedPcaps.available, "shared captures not found"))
    func emptyCapture() throws {
        let run = try decodeCapture(SharedPcaps.path("malformed/ark_empty.pcap"))
        #expect(run.frames.isEmpty)
        #expect(run.flows.isEmpty)
        #expect(run.failure == nil)
    }

    /// sv_ipv4-truncated.pcap: one frame whose IPv4 total length (65028)
    /// exceeds the 1516 bytes after the Ethernet header; cap_len == len, so
    /// it is not a snaplen cut (Suricata: decode-event ipv4.trunc_pkt).
    @Test(.enabled(if: SharedPcaps.available, "shared captures not found"))
    func ipv4Truncated() throws {
        let run = try decodeCapture(SharedPcaps.path("malformed/sv_ipv4-truncated.pcap"))
        try #require(run.frames.count == 1)
        let p = run.frames[0].packet
        #expect(p.anomalies.contains(.ipv4PayloadTruncated))
        #expect(!p.anomalies.contains(.snaplenTruncated))
        #expect(p.ipVersion == 4)
        #expect(p.ipPayloadLength == 65028 - 20)
        // The UDP header is whole; its ports are still read (tshark shows 2539 > 5333).
        #expect(p.hasPorts && p.sourcePort == 2539 && p.destinationPort == 5333)
    }

    /// sv_decode-too-small.pcap (scapy): empty/short TCP, UDP and GRE over
    /// IPv4 (frames 1–4) and IPv6 (frames 5–8). Suricata raises
    /// tcp.pkt_too_small (1, 5), udp.hlen_too_small (2, 3, 6, 7) and
    /// gre.pkt_too_small (4, 8).
    @Test(.enabled(if: SharedPcaps.available, "shared captures not found"))
    func decodeTooSmall() throws {
        let run = try decodeCapture(SharedPcaps.path("malformed/sv_decode-too-small.pcap"))
        try #require(run.frames.count == 8)
        for base in [0, 4] {
            let family = base == 0 ? "IPv4" : "IPv6"
            let tcp = run.frames[base].packet
            #expect(tcp.l4Type == IPProtocol.tcp, "\(family) frame \(base + 1)")
            #expect(tcp.anomalies.contains(.tcpHeaderTruncated), "\(family) TCP with no header")
            #expect(!tcp.hasPorts)

            let udpEmpty = run.frames[base + 1].packet
            #expect(udpEmpty.anomalies.contains(.udpHeaderTruncated), "\(family) UDP with no header")
            #expect(!udpEmpty.hasPorts)

            // 4 bytes of UDP header: the ports are there (tshark shows them too).
            let udpShort = run.frames[base + 2].packet
            #expect(udpShort.anomalies.contains(.udpHeaderTruncated), "\(family) UDP with a 4-byte header")
            #expect(udpShort.hasPorts && udpShort.sourcePort == 33112 && udpShort.destinationPort == 53)

            // GRE is not decoded by NetSift: the frame decodes to L3 with
            // protocol 47 and no transport anomaly, no ports.
            let gre = run.frames[base + 3].packet
            #expect(gre.l4Type == 47)
            #expect(!gre.hasPorts)

            for i in base ..< base + 4 {
                let p = run.frames[i].packet
                #expect(p.ipVersion == (base == 0 ? 4 : 6))
                #expect(!p.anomalies.contains(.snaplenTruncated), "frame \(i + 1) is whole on the wire")
            }
        }
    }

    /// td_ipv6-bad-version.pcap: frames 2 and 4 have EtherType IPv6 and
    /// version 0 (tcpdump: "[version 0 != 6] (invalid)"); 1 and 3 are
    /// neighbour solicitations.
    @Test(.enabled(if: SharedPcaps.available, "shared captures not found"))
    func ipv6BadVersion() throws {
        let run = try decodeCapture(SharedPcaps.path("malformed/td_ipv6-bad-version.pcap"))
        try #require(run.frames.count == 4)
        for i in [1, 3] {
            let p = run.frames[i].packet
            #expect(p.anomalies.contains(.ipv6BadVersion), "frame \(i + 1)")
            #expect(p.l3Type == EtherType.ipv6)
            #expect(!p.hasIP)
            #expect(run.frames[i].flow == nil)
        }
        for i in [0, 2] {
            let p = run.frames[i].packet
            #expect(p.anomalies.isEmpty, "frame \(i + 1): \(Array(p.anomalies))")
            #expect(p.ipVersion == 6 && p.l4Type == IPProtocol.icmpv6 && p.icmp?.type == 135)
        }
    }

    /// td_tcp_rst_data-trunc.pcap: one TCP RST with data, captured 111 of
    /// 112 bytes (tcpdump: "[|tcp]").
    @Test(.enabled(if: SharedPcaps.available, "shared captures not found"))
    func tcpRstSnaplenTruncated() throws {
        let run = try decodeCapture(SharedPcaps.path("malformed/td_tcp_rst_data-trunc.pcap"))
        try #require(run.frames.count == 1)
        let r = run.frames[0]
        #expect(r.capturedLength == 111 && r.wireLength == 112)
        #expect(r.packet.anomalies.contains(.snaplenTruncated))
        // The cut is a snaplen cut, not a lying IP header.
        #expect(!r.packet.anomalies.contains(.ipv4PayloadTruncated))
        #expect(r.packet.hasPorts && r.packet.sourcePort == 80 && r.packet.destinationPort == 52875)
        #expect(r.packet.tcp.flags & TCPInfo.rst != 0)
    }

    // MARK: A file cut short mid-record

    /// Byte offsets where each record of a classic pcap file starts, and the
    /// file's end.
    static func recordStarts(_ bytes: [UInt8]) -> [Int] {
        guard bytes.count >= 24 else { return [] }
        let little = bytes[0] == 0xd4 || bytes[0] == 0x4d
        func u32(_ i: Int) -> Int {
            let b = bytes[i ..< i + 4].map(Int.init)
            return little ? b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24 : b[3] | b[2] << 8 | b[1] << 16 | b[0] << 24
        }
        var starts: [Int] = []
        var at = 24
        while at + 16 <= bytes.count {
            starts.append(at)
            at += 16 + u32(at + 8)
        }
        return starts
    }

    enum Cut: String, CaseIterable, Sendable {
        case insideRecordData, insideRecordHeader
    }

    @Test("a file cut short: earlier frames delivered, then .failed",
          .enabled(if: SharedPcaps.available, "shared captures not found"),
          arguments: Cut.allCases)
    func truncatedFile(_ cut: Cut) throws {
        let source = SharedPcaps.path("http/ark_http-simple-get.pcap")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
        let starts = Self.recordStarts(bytes)
        try #require(starts.count >= 10, "expected a classic pcap with records")
        let kept = 6  // whole records before the cut
        let end = cut == .insideRecordData ? starts[kept] + 16 + 10 : starts[kept] + 7
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("netsift-cut-\(UUID().uuidString).pcap")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(bytes[0 ..< end]).write(to: url)

        let run = try decodeCapture(url.path)
        #expect(run.frames.map(\.number) == Array(1...UInt64(kept)))
        let failure = try #require(run.failure, "a file cut mid-record must end in .failed")
        #expect(failure.kind == .read)
        #expect(failure.path == url.path)
        #expect(failure.description.contains("truncated"), "message: \(failure.description)")
        // The frames before the cut are intact.
        let whole = try decodeCapture(source)
        for i in 0 ..< kept {
            #expect(run.frames[i].capturedLength == whole.frames[i].capturedLength)
            #expect(run.frames[i].packet.sourcePort == whole.frames[i].packet.sourcePort)
        }
    }
}
