import Capture
import CaptureDecoding
import Dissection
import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// The top-level protocols of one pdml packet, in order, with their extent,
/// plus the upper-layer protocol of the first IPv6 header's chain.
struct PDMLPacket {
    struct Proto {
        var name: String
        var pos: Int
        var size: Int
    }
    var protos: [Proto] = []
    /// The last `*.nxt` field inside the first top-level ipv6 proto: the
    /// protocol after all its extension headers.
    var ipv6UpperLayer: Int? = nil
    /// The end (pos + size) of the last extension-header proto nested in
    /// the first ipv6 proto.
    var ipv6ExtensionEnd: Int? = nil
    /// The version field of the first ip/ipv6 proto.
    var ipVersionField: Int? = nil
}

/// Streams `tshark -T pdml` with XMLParser, keeping only what the offsets
/// comparison needs.
final class PDMLReader: NSObject, XMLParserDelegate {
    private(set) var packets: [PDMLPacket] = []
    private var current = PDMLPacket()
    private var depth = 0              // element depth inside <packet>
    private var inFirstIPv6 = false
    private var inFirstIP = false
    private var sawIP = false
    private var firstIPv6Depth = 0

    static func read(_ file: URL) throws -> [PDMLPacket] {
        guard let stream = InputStream(url: file) else { throw ToolError(message: "cannot open \(file.path)") }
        let parser = XMLParser(stream: stream)
        let reader = PDMLReader()
        parser.delegate = reader
        guard parser.parse() else {
            throw ToolError(message: "pdml parse error: \(parser.parserError.map { "\($0)" } ?? "unknown")")
        }
        return reader.packets
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if name == "packet" {
            current = PDMLPacket()
            depth = 0
            sawIP = false
            inFirstIPv6 = false
            inFirstIP = false
            return
        }
        depth += 1
        if name == "proto", depth == 1, let protoName = attributes["name"] {
            let proto = PDMLPacket.Proto(name: protoName, pos: Int(attributes["pos"] ?? "") ?? -1,
                                         size: Int(attributes["size"] ?? "") ?? -1)
            current.protos.append(proto)
            if !sawIP, protoName == "ip" || protoName == "ipv6" {
                sawIP = true
                inFirstIPv6 = protoName == "ipv6"
                inFirstIP = true
                firstIPv6Depth = depth
            }
        } else if inFirstIP, name == "field", attributes["name"] == "ip.version" || attributes["name"] == "ipv6.version",
                  current.ipVersionField == nil, let show = attributes["show"] {
            current.ipVersionField = Int(show)
        } else if inFirstIPv6, name == "proto", let protoName = attributes["name"],
                  TSharkOffsetsTests.ipv6ExtensionProtos.contains(protoName),
                  let pos = Int(attributes["pos"] ?? ""), let size = Int(attributes["size"] ?? "") {
            current.ipv6ExtensionEnd = max(current.ipv6ExtensionEnd ?? 0, pos + size)
        } else if inFirstIPv6, name == "field", let fieldName = attributes["name"], fieldName.hasSuffix(".nxt"),
                  let show = attributes["show"], let value = Int(show) {
            current.ipv6UpperLayer = value
        }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "packet" {
            packets.append(current)
            return
        }
        if inFirstIP, depth == firstIPv6Depth, name == "proto" {
            inFirstIPv6 = false
            inFirstIP = false
        }
        depth -= 1
    }
}

@Suite("L3/L4 offsets against tshark pdml")
struct TSharkOffsetsTests {
    /// Only these subtrees are written: the pdml of the 2–3 MB captures stays small.
    static let protoFilter = "ip ipv6 ipv6.hopopts ipv6.routing ipv6.fraghdr ipv6.dstopts tcp udp sctp icmp icmpv6"

    @Test("l2Length, l3Offset/Length, l4Type/Offset/Length per frame",
          .enabled(if: SharedPcaps.available, "shared captures not found: set NETSIFT_SHARED or provide <package>/../shared/pcaps"),
          .enabled(if: TShark.available, "tshark not on PATH"),
          arguments: SharedPcaps.captures)
    func offsets(_ file: String) throws {
        let path = SharedPcaps.path(file)
        let run = try decodeCapture(path)
        let out = FileManager.default.temporaryDirectory
            .appendingPathComponent("netsift-conf-\(UUID().uuidString).pdml")
        defer { try? FileManager.default.removeItem(at: out) }
        // TCP reassembly changes nothing at L3/L4 but bloats the pdml.
        try TShark.run(["-n", "-r", path, "-o", "tcp.desegment_tcp_streams:FALSE",
                        "-T", "pdml", "-j", Self.protoFilter], to: out)
        let packets = try PDMLReader.read(out)
        var m = Mismatches(file: file)
        m.check(0, "pdml packet count", netsift: run.frames.count, tshark: packets.count)
        for (i, result) in run.frames.enumerated() where i < packets.count {
            compare(result, packets[i], &m)
        }
        m.record()
    }

    static let ipv6ExtensionProtos: Set<String> = ["ipv6.hopopts", "ipv6.routing", "ipv6.fraghdr", "ipv6.dstopts"]

    func compare(_ r: FrameResult, _ pdml: PDMLPacket, _ m: inout Mismatches) {
        let n = r.number
        let p = r.packet
        guard let ipIndex = pdml.protos.firstIndex(where: { $0.name == "ip" || $0.name == "ipv6" }) else {
            m.check(n, "has IP layer", netsift: p.hasIP, tshark: false)
            return
        }
        let ip = pdml.protos[ipIndex]
        m.check(n, "l2Length (\(ip.name) pos)", netsift: Int(p.l2Length), tshark: ip.pos)
        m.check(n, "l3Offset (\(ip.name) pos)", netsift: Int(p.l3Offset), tshark: ip.pos)
        // A header with the wrong version: tshark shows an ip/ipv6 item with
        // only its version field ("Bogus IP(v6) version"); NetSift records the
        // anomaly and no IP layer. Both reject the header; nothing more to compare.
        if let version = pdml.ipVersionField, version != (ip.name == "ipv6" ? 6 : 4) {
            m.check(n, "bad IP version", netsift: p.anomalies.contains(.ipv4BadVersion) || p.anomalies.contains(.ipv6BadVersion),
                    tshark: true)
            m.check(n, "has IP layer (bad version)", netsift: p.hasIP, tshark: false)
            return
        }
        guard p.hasIP else {
            m.add(n, "has IP layer", netsift: "false", tshark: "\(ip.name) at \(ip.pos)")
            return
        }
        // CONFORMANCE.md §1: the IPv6 header chain ends where its last
        // extension header item ends, even when tshark sizes the ipv6 item 40.
        let ipEnd = max(ip.pos + ip.size, ip.name == "ipv6" ? pdml.ipv6ExtensionEnd ?? 0 : 0)
        m.check(n, "l3Length (\(ip.name) extent)", netsift: Int(p.l3Length), tshark: ipEnd - ip.pos)
        if ip.name == "ipv6", let upper = pdml.ipv6UpperLayer {
            m.check(n, "l4Type (last ipv6 *.nxt)", netsift: Int(p.l4Type), tshark: upper)
        }

        var k = ipIndex + 1
        while k < pdml.protos.count, Self.ipv6ExtensionProtos.contains(pdml.protos[k].name) { k += 1 }
        guard k < pdml.protos.count else { return }
        let l4 = pdml.protos[k]

        if p.fragment != nil {
            // CONFORMANCE.md §2: offsets are into the frame; the transport
            // header of a fragmented datagram is not in this frame.
            m.check(n, "l4Offset (fragment)", netsift: Int(p.l4Offset), tshark: 0)
            m.check(n, "l4Length (fragment)", netsift: Int(p.l4Length), tshark: 0)
            return
        }
        // tshark marks a layer it could not finish as _ws.malformed / _ws.short
        // at the point it stopped; there is no transport header to compare.
        if l4.name.hasPrefix("_ws.") { return }
        m.check(n, "l4Offset (\(l4.name) pos)", netsift: Int(p.l4Offset), tshark: l4.pos)
        switch l4.name {
        case "tcp", "udp":
            m.check(n, "l4Length (\(l4.name) size)", netsift: Int(p.l4Length), tshark: l4.size)
        case "icmp", "icmpv6":
            // CONFORMANCE.md §3: l4Length is the fixed 8-byte header.
            m.check(n, "l4Length (\(l4.name) header)", netsift: Int(p.l4Length), tshark: min(l4.size, 8))
        case "sctp":
            // CONFORMANCE.md §3: l4Length is the 12-byte common header.
            m.check(n, "l4Length (sctp common header)", netsift: Int(p.l4Length), tshark: min(l4.size, 12))
        default:
            break
        }
    }
}
