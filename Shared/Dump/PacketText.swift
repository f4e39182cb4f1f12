import Capture
import Dissection
import Flows
import Formats

/// One readable line per packet, in the spirit of `tcpdump -n`, and one per
/// flow report.
enum PacketText {
    static func line(_ frame: Frame, _ p: DecodedPacket, flow: FlowTable.Ref?) -> String {
        var s = "\(frame.number) \(Timestamp.rfc3339(frame.timestamp)) "
        if p.vlans.count > 0 { s += "vlan \(p.vlans.ids.map(String.init).joined(separator: ",")) " }
        if !p.hasIP {
            if p.l3Type != 0 {
                s += "ethertype 0x\(String(p.l3Type, radix: 16, uppercase: false))"
                if p.l3Type == EtherType.arp { s += " (ARP)" }
            } else {
                s += "\(p.linkType)"
            }
            s += ", length \(frame.wireLength)"
        } else {
            s += p.ipVersion == 4 ? "IP " : "IP6 "
            let ports = p.hasPorts && (p.l4Type == IPProtocol.tcp || p.l4Type == IPProtocol.udp || p.l4Type == IPProtocol.sctp)
            s += ports ? "\(p.source).\(p.sourcePort) > \(p.destination).\(p.destinationPort): "
                       : "\(p.source) > \(p.destination): "
            if let f = p.fragment, !(p.hasPorts || p.icmp != nil) {
                s += "frag id \(f.identification) offset \(f.offset)\(f.moreFragments ? "+" : "") \(IPProtocol.name(p.l4Type)), length \(f.payloadLength)"
            } else {
                switch p.l4Type {
                case IPProtocol.tcp:
                    s += "tcp Flags [\(TCPFlagsText.short(p.tcp.flags))], seq \(p.tcp.sequence), ack \(p.tcp.acknowledgment), win \(p.tcp.window), length \(p.l5Length)"
                case IPProtocol.udp:
                    s += "udp, length \(p.l5Length)"
                case IPProtocol.icmp, IPProtocol.icmpv6:
                    s += IPProtocol.name(p.l4Type)
                    if let icmp = p.icmp {
                        s += " type \(icmp.type) code \(icmp.code)"
                        if let id = icmp.echoID, let seq = icmp.echoSequence { s += " id \(id) seq \(seq)" }
                        if let q = icmp.quoted {
                            s += " quoting \(IPProtocol.name(q.protocolNumber)) \(q.source)"
                            s += q.hasPorts ? ".\(q.sourcePort) > \(q.destination).\(q.destinationPort)" : " > \(q.destination)"
                        }
                    }
                    s += ", length \(p.l5Length)"
                default:
                    s += "\(IPProtocol.name(p.l4Type)), length \(p.l5Length)"
                }
            }
        }
        if !p.anomalies.isEmpty { s += " [anomalies: \(p.anomalies.map(\.description).joined(separator: ","))]" }
        return s
    }

    static func flowLine(_ r: FlowReport) -> String {
        let ports = r.tuple.hasPorts && !FlowJSON.isICMP(r)
        let src = ports ? "\(r.tuple.source).\(r.tuple.sourcePort)" : "\(r.tuple.source)"
        let dst = ports ? "\(r.tuple.destination).\(r.tuple.destinationPort)" : "\(r.tuple.destination)"
        return "flow \(FlowIDText.hex(r.id)) \(r.final ? "final" : "update") (\(r.reason.rawValue)) "
            + "\(IPProtocol.name(r.tuple.protocolNumber)) \(src) > \(dst) "
            + "packets \(r.source.packets)/\(r.destination.packets) bytes \(r.source.capturedBytes)/\(r.destination.capturedBytes) "
            + "\(Timestamp.rfc3339(r.start)) - \(Timestamp.rfc3339(r.end)) \(r.communityID)"
    }
}
