import Capture
import Dissection
import Flows
import Formats

/// One JSON object per packet: ECS names where ECS has them, AppPacCap layer
/// fields under `layers`, NetSift's own under `frame`, `ip`, `tcp`, `icmp`.
enum PacketJSON {
    static func write(_ frame: Frame, _ p: DecodedPacket, flow: FlowTable.Ref?,
                      reassembled: [FragmentReassembler.Piece]?, capture: Int, to w: inout JSONWriter) {
        w.beginObject()
        w.field("@timestamp", Timestamp.rfc3339(frame.timestamp))
        w.beginObject("event"); w.field("dataset", "packet"); w.endObject()
        w.beginObject("frame")
        w.field("number", frame.number)
        w.field("capture", capture)
        w.field("time_ns", frame.timestamp)
        w.field("cap_len", frame.capturedLength)
        w.field("len", frame.wireLength)
        w.endObject()
        w.beginObject("layers")
        w.field("L2t", p.linkType.rawValue); w.field("L2l", p.l2Length)
        w.field("L3t", p.l3Type); w.field("L3o", p.l3Offset); w.field("L3l", p.l3Length)
        w.field("L4t", p.l4Type); w.field("L4o", p.l4Offset); w.field("L4l", p.l4Length)
        w.field("L5o", p.l5Offset); w.field("L5l", p.l5Length)
        w.endObject()
        if p.vlans.count > 0 {
            w.beginArray("vlan")
            for id in p.vlans.ids { w.element(id) }
            w.endArray()
        }
        if p.hasIP {
            w.beginObject("source")
            w.field("ip", p.source.description)
            if p.hasPorts { w.field("port", p.sourcePort) }
            w.endObject()
            w.beginObject("destination")
            w.field("ip", p.destination.description)
            if p.hasPorts { w.field("port", p.destinationPort) }
            w.endObject()
        }
        w.beginObject("network")
        if p.hasIP {
            w.field("type", p.ipVersion == 4 ? "ipv4" : "ipv6")
            w.field("transport", IPProtocol.name(p.l4Type))
            w.field("iana_number", String(p.l4Type))
        }
        if let flow { w.field("community_id", flow.communityID) }
        w.endObject()
        if p.hasIP && (p.fragment != nil || reassembled != nil) {
            w.beginObject("ip")
            if let f = p.fragment {
                w.beginObject("fragment")
                w.field("id", f.identification); w.field("offset", f.offset); w.field("more", f.moreFragments)
                w.endObject()
            }
            if let reassembled {
                w.beginArray("reassembled_from")
                for piece in reassembled { w.element(piece.frame) }
                w.endArray()
            }
            w.endObject()
        }
        if p.hasIP && p.l4Type == IPProtocol.tcp && p.hasPorts {
            w.beginObject("tcp")
            w.field("flags", TCPFlagsText.short(p.tcp.flags))
            w.field("seq", p.tcp.sequence); w.field("ack", p.tcp.acknowledgment); w.field("window", p.tcp.window)
            w.endObject()
        }
        if let icmp = p.icmp {
            w.beginObject("icmp")
            w.field("type", icmp.type); w.field("code", icmp.code)
            if let id = icmp.echoID { w.field("id", id) }
            if let seq = icmp.echoSequence { w.field("seq", seq) }
            if let q = icmp.quoted {
                w.beginObject("quoted")
                w.field("source_ip", q.source.description); w.field("destination_ip", q.destination.description)
                w.field("transport", IPProtocol.name(q.protocolNumber))
                if q.hasPorts { w.field("source_port", q.sourcePort); w.field("destination_port", q.destinationPort) }
                w.endObject()
            }
            w.endObject()
        }
        if let flow {
            w.beginObject("flow")
            w.field("id", FlowIDText.hex(flow.id))
            w.endObject()
        }
        if !p.anomalies.isEmpty {
            w.beginArray("anomalies")
            for a in p.anomalies { w.element(a.description) }
            w.endArray()
        }
        w.endObject()
        w.newline()
    }
}

enum TCPFlagsText {
    /// tcpdump's letters: F S R P . (ack) U E W; "none" when no flag is set.
    static func short(_ flags: UInt16) -> String {
        var s = ""
        if flags & TCPInfo.fin != 0 { s += "F" }
        if flags & TCPInfo.syn != 0 { s += "S" }
        if flags & TCPInfo.rst != 0 { s += "R" }
        if flags & TCPInfo.psh != 0 { s += "P" }
        if flags & TCPInfo.ack != 0 { s += "." }
        if flags & TCPInfo.urg != 0 { s += "U" }
        if flags & TCPInfo.ece != 0 { s += "E" }
        if flags & TCPInfo.cwr != 0 { s += "W" }
        return s.isEmpty ? "none" : s
    }
}
