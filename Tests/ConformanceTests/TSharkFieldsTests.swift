import Capture
import CaptureDecoding
import Dissection
import Flows
import Foundation
import Testing

/// One frame of `tshark -T fields` output: every occurrence of each field.
struct TSharkRow {
    var values: [String: [String]]

    func all(_ field: String) -> [String] { values[field] ?? [] }
    func first(_ field: String) -> String? { all(field).first }
    func int(_ field: String, occurrence: Int = 0) -> Int? {
        let v = all(field)
        return occurrence < v.count ? Int(v[occurrence]) : nil
    }

    /// `frame.protocols` split at ':'.
    var protocols: [String] {
        (first("frame.protocols") ?? "").split(separator: ":").map(String.init)
    }
}

enum TSharkFields {
    static let fields = [
        "frame.number", "frame.cap_len", "frame.len", "frame.protocols",
        "ip.src", "ip.dst", "ip.proto", "ipv6.src", "ipv6.dst", "ipv6.nxt",
        "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport", "sctp.srcport", "sctp.dstport",
        "icmp.type", "icmp.code", "icmpv6.type", "icmpv6.code",
    ]

    static func rows(_ path: String) throws -> [UInt64: TSharkRow] {
        var args = ["-n", "-r", path, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"]
        for f in fields { args += ["-e", f] }
        let text = String(decoding: try TShark.run(args), as: UTF8.self)
        var rows: [UInt64: TSharkRow] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
            var values: [String: [String]] = [:]
            for (i, name) in fields.enumerated() where i < columns.count && !columns[i].isEmpty {
                // frame.protocols uses ':' internally; never split it at ','.
                values[name] = name == "frame.protocols"
                    ? [String(columns[i])]
                    : columns[i].split(separator: ",").map(String.init)
            }
            if let n = values["frame.number"]?.first.flatMap({ UInt64($0) }) { rows[n] = TSharkRow(values: values) }
        }
        return rows
    }

    /// IPv6 extension headers as tshark names them in `frame.protocols`.
    static let ipv6Extensions: Set<String> = [
        "ipv6.hopopts", "ipv6.routing", "ipv6.fraghdr", "ipv6.dstopts", "ipv6.shim6", "ah",
    ]
    static let ipv6ExtensionNumbers: Set<Int> = [0, 43, 44, 60, 135, 139, 140, 51]
}

@Suite("L3/L4 fields against tshark")
struct TSharkFieldsTests {
    /// Guards against a parameterised run silently covering nothing.
    @Test("the shared captures, all subfolders, are found",
          .enabled(if: SharedPcaps.available, "shared captures not found: set NETSIFT_SHARED or provide <package>/../shared/pcaps"))
    func capturesFound() {
        let files = SharedPcaps.captures
        #expect(files.count >= 10, "found \(files.count) captures under \(SharedPcaps.root ?? "")")
        for folder in ["large/", "malformed/", "fragments/", "community-id/"] {
            #expect(files.contains { $0.hasPrefix(folder) }, "no capture under \(folder)")
        }
    }

    @Test("addresses, ports, protocol and lengths per frame",
          .enabled(if: SharedPcaps.available, "shared captures not found: set NETSIFT_SHARED or provide <package>/../shared/pcaps"),
          .enabled(if: TShark.available, "tshark not on PATH"),
          arguments: SharedPcaps.captures)
    func fields(_ file: String) throws {
        let path = SharedPcaps.path(file)
        let run = try decodeCapture(path)
        let rows = try TSharkFields.rows(path)
        var m = Mismatches(file: file)
        m.check(0, "frame count", netsift: run.frames.count, tshark: rows.count)
        for result in run.frames {
            guard let row = rows[result.number] else {
                m.add(result.number, "frame", netsift: "present", tshark: "absent")
                continue
            }
            compare(result, row, &m)
        }
        m.record()
    }

    func compare(_ r: FrameResult, _ t: TSharkRow, _ m: inout Mismatches) {
        let n = r.number
        let p = r.packet
        m.check(n, "frame.cap_len", netsift: Int(p.capturedLength), tshark: t.int("frame.cap_len") ?? -1)
        m.check(n, "frame.len", netsift: Int(p.wireLength), tshark: t.int("frame.len") ?? -1)

        let protos = t.protocols
        guard let ipIndex = protos.firstIndex(where: { $0 == "ip" || $0 == "ipv6" }) else {
            m.check(n, "has IP layer", netsift: p.hasIP, tshark: false)
            return
        }
        let isV6 = protos[ipIndex] == "ipv6"
        m.check(n, "IP version", netsift: Int(p.ipVersion), tshark: isV6 ? 6 : 4)
        guard p.hasIP else { return }
        let family = isV6 ? "ipv6" : "ip"
        compareAddress(n, "\(family).src", netsift: p.source, tshark: t.first("\(family).src"), &m)
        compareAddress(n, "\(family).dst", netsift: p.destination, tshark: t.first("\(family).dst"), &m)
        if isV6 {
            // ipv6.nxt is the fixed header's Next Header; with extension
            // headers the transport is compared in the pdml test, which sees
            // the whole chain.
            if let nxt = t.int("ipv6.nxt"), !TSharkFields.ipv6ExtensionNumbers.contains(nxt) {
                m.check(n, "ipv6.nxt", netsift: Int(p.l4Type), tshark: nxt)
            }
        } else {
            m.check(n, "ip.proto", netsift: Int(p.l4Type), tshark: t.int("ip.proto") ?? -1)
        }

        // The layer right after the outermost IP header (and its extension headers).
        var next = ipIndex + 1
        while next < protos.count, TSharkFields.ipv6Extensions.contains(protos[next]) { next += 1 }
        let transport = next < protos.count ? protos[next] : nil

        // A fragment whose datagram this frame does not complete carries no
        // transport header of its own.
        if p.fragment != nil, r.reassembled == nil {
            m.check(n, "ports (unreassembled fragment)", netsift: p.hasPorts, tshark: portPair(t, transport) != nil)
            return
        }

        switch transport {
        case "tcp", "udp", "sctp":
            let theirs = portPair(t, transport)
            let ours = p.hasPorts ? "\(p.sourcePort)>\(p.destinationPort)" : "none"
            m.check(n, "\(transport ?? "").srcport>dstport", netsift: ours, tshark: theirs.map { "\($0.0)>\($0.1)" } ?? "none")
        case "icmp", "icmpv6":
            let typeField = transport == "icmp" ? "icmp.type" : "icmpv6.type"
            m.check(n, typeField, netsift: p.icmp.map { Int($0.type) } ?? -1, tshark: t.int(typeField) ?? -1)
            m.check(n, "ports on ICMP", netsift: p.hasPorts, tshark: false)
            compareQuoted(r, t, protos: protos, icmpIndex: next, outerIsV6: isV6, &m)
        default:
            // Not a transport NetSift reads ports of (GRE, ESP, IGMP, OSPF,
            // a tunnel's inner IP, or no layer at all).
            m.check(n, "has ports (\(transport ?? "nothing") after IP)", netsift: p.hasPorts, tshark: false)
        }
    }

    /// The first srcport/dstport occurrence of a transport, if any.
    func portPair(_ t: TSharkRow, _ transport: String?) -> (Int, Int)? {
        guard let transport, ["tcp", "udp", "sctp"].contains(transport),
              let s = t.int("\(transport).srcport"), let d = t.int("\(transport).dstport") else { return nil }
        return (s, d)
    }

    /// tshark decodes the packet an ICMP error quotes as a nested IP layer:
    /// its addresses are the next occurrence of ip/ipv6.src, its ports the
    /// first occurrence of the nested transport's (the outer has none).
    func compareQuoted(_ r: FrameResult, _ t: TSharkRow, protos: [String], icmpIndex: Int, outerIsV6: Bool,
                       _ m: inout Mismatches) {
        let n = r.number
        let quoted = r.packet.icmp?.quoted
        guard icmpIndex + 1 < protos.count, protos[icmpIndex + 1] == "ip" || protos[icmpIndex + 1] == "ipv6" else {
            m.check(n, "icmp quoted packet", netsift: quoted != nil, tshark: false)
            return
        }
        let innerV6 = protos[icmpIndex + 1] == "ipv6"
        let family = innerV6 ? "ipv6" : "ip"
        let occurrence = innerV6 == outerIsV6 ? 1 : 0
        guard let quoted else {
            m.add(n, "icmp quoted packet", netsift: "none", tshark: "\(family)")
            return
        }
        let src = t.all("\(family).src"), dst = t.all("\(family).dst")
        compareAddress(n, "quoted \(family).src", netsift: quoted.source,
                       tshark: occurrence < src.count ? src[occurrence] : nil, &m)
        compareAddress(n, "quoted \(family).dst", netsift: quoted.destination,
                       tshark: occurrence < dst.count ? dst[occurrence] : nil, &m)
        let protoField = innerV6 ? "ipv6.nxt" : "ip.proto"
        if let proto = t.int(protoField, occurrence: occurrence), !(innerV6 && TSharkFields.ipv6ExtensionNumbers.contains(proto)) {
            m.check(n, "quoted \(protoField)", netsift: Int(quoted.protocolNumber), tshark: proto)
        }
        var k = icmpIndex + 2
        while k < protos.count, TSharkFields.ipv6Extensions.contains(protos[k]) { k += 1 }
        let inner = k < protos.count ? protos[k] : nil
        let theirs = portPair(t, inner)
        let ours = quoted.hasPorts ? "\(quoted.sourcePort)>\(quoted.destinationPort)" : "none"
        m.check(n, "quoted \(inner ?? "transport") srcport>dstport", netsift: ours,
                tshark: theirs.map { "\($0.0)>\($0.1)" } ?? "none")
    }

    func compareAddress(_ n: UInt64, _ field: String, netsift: IPAddress, tshark: String?, _ m: inout Mismatches) {
        guard let tshark, let theirs = IPAddress(tshark) else {
            m.add(n, field, netsift: "\(netsift)", tshark: tshark ?? "absent")
            return
        }
        if theirs != netsift { m.add(n, field, netsift: "\(netsift)", tshark: tshark) }
    }
}
