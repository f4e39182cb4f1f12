import Dissection
import Flows
import Formats

/// One ECS flow event per report, as Packetbeat writes them.
enum FlowJSON {
    static func write(_ r: FlowReport, capture: Int, to w: inout JSONWriter) {
        w.beginObject()
        w.field("@timestamp", Timestamp.rfc3339(r.end))
        w.beginObject("event")
        w.field("dataset", "flow")
        w.field("kind", "event")
        w.field("action", "network_flow")
        w.beginArray("category"); w.element("network"); w.endArray()
        w.beginArray("type"); w.element("connection"); w.element(r.final ? "end" : "info"); w.endArray()
        w.field("start", Timestamp.rfc3339(r.start))
        w.field("end", Timestamp.rfc3339(r.end))
        w.field("duration", r.end - r.start)
        w.endObject()
        w.beginObject("flow")
        w.field("id", FlowIDText.hex(r.id))
        w.field("final", r.final)
        if r.vlans.count > 0 {
            w.beginArray("vlan")
            for id in r.vlans.ids { w.element(id) }
            w.endArray()
        }
        w.endObject()
        endpoint("source", r.tuple.source, port: r.tuple.hasPorts && !isICMP(r) ? r.tuple.sourcePort : nil, r.source, &w)
        endpoint("destination", r.tuple.destination, port: r.tuple.hasPorts && !isICMP(r) ? r.tuple.destinationPort : nil,
                 r.destination, &w)
        w.beginObject("network")
        w.field("type", r.tuple.source.isIPv6 ? "ipv6" : "ipv4")
        w.field("transport", IPProtocol.name(r.tuple.protocolNumber))
        w.field("iana_number", String(r.tuple.protocolNumber))
        w.field("community_id", r.communityID)
        w.field("packets", r.source.packets + r.destination.packets)
        w.field("bytes", r.source.capturedBytes + r.destination.capturedBytes)
        w.endObject()
        if isICMP(r) {
            w.beginObject("icmp")
            w.field("type", r.tuple.sourcePort)
            w.endObject()
        }
        w.beginObject("netsift")
        w.field("capture", capture)
        w.field("first_frame", r.firstFrame)
        w.field("reason", r.reason.rawValue)
        w.field("source_wire_bytes", r.source.wireBytes)
        w.field("destination_wire_bytes", r.destination.wireBytes)
        if r.tuple.protocolNumber == IPProtocol.tcp {
            w.field("source_tcp_flags", TCPFlagsText.short(r.source.tcpFlags))
            w.field("destination_tcp_flags", TCPFlagsText.short(r.destination.tcpFlags))
        }
        w.endObject()
        w.endObject()
        w.newline()
    }

    static func isICMP(_ r: FlowReport) -> Bool {
        r.tuple.protocolNumber == IPProtocol.icmp || r.tuple.protocolNumber == IPProtocol.icmpv6
    }

    private static func endpoint(_ name: String, _ ip: IPAddress, port: UInt16?, _ s: FlowDirectionStats,
                                 _ w: inout JSONWriter) {
        w.beginObject(name)
        w.field("ip", ip.description)
        if let port { w.field("port", port) }
        w.field("packets", s.packets)
        w.field("bytes", s.capturedBytes)
        w.endObject()
    }
}
