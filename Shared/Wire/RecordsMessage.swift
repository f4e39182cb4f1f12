import Dissection
import Flows
import Foundation
import Records

/// `records.v1`: one decoder `RecordBatch` on its way to storage — the
/// sensor sequence ranges it covers, its packet rows, its flow reports, the
/// capture ends it passes on, and the frames its packet rows describe (storage
/// writes them to the pcap store). The header's producer and sequence are the
/// decoder's own (the batch's `producer` and `sequence`); item count = packet
/// records + flow records.
///
/// Payload, little-endian (addresses in network byte order):
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 4 | cover count c (UInt32) |
/// | 4 | 4 | packet record count p (UInt32) |
/// | 8 | 4 | flow record count f (UInt32) |
/// | 12 | 2 | capture end count e (UInt16) |
/// | 14 | 1 | flags: bit 0 frames section present, bit 1 links section present, bit 2 events section present; others zero |
/// | 15 | 1 | reserved, zero |
///
/// then c covers (32 bytes each: sensor producer UUID, first, last
/// sequence, first ≤ last), p packet records, f flow records, e capture ends
/// (the `end.v1` payload layout each), and, when flagged, the frames section:
/// frame count (UInt32, = p), byte length L (UInt32), then L bytes laid out
/// as a `frames.v1` payload, and, when flagged, the links section: count n
/// (UInt32), then n × (capture id, frame number, flow key; UInt64 each),
/// frames of earlier batches that joined a flow, and, when flagged, the
/// events section (application-layer transactions, laid out as
/// `RecordsMessage+Events` says). The layouts of the records are in
/// docs/wire.md and below in `encode(packet:)` and `encode(flow:)`. p + f
/// must equal the header's item count; events are not counted there.
public struct RecordsMessage: WireMessage {
    public static let type = MessageType(validated: "records.v1")
    static let prefixSize = 16
    static let coverSize = 32
    static let packetFixedSize = 80
    static let flowFixedSize = 100

    public var covers: [SequenceRange]
    public var packets: [PacketRecord]
    public var flows: [FlowRecord]
    public var ends: [CaptureEnd]
    /// The frames the packet records describe, in the same order; nil when
    /// the decoder does not pass frames on (storage then stores no bytes).
    public var frames: FrameBatch?
    public var links: [FlowLink]
    public var events: [EventRecord]

    public init(covers: [SequenceRange] = [], packets: [PacketRecord] = [], flows: [FlowRecord] = [],
                ends: [CaptureEnd] = [], frames: FrameBatch? = nil, links: [FlowLink] = [],
                events: [EventRecord] = []) {
        self.covers = covers
        self.packets = packets
        self.flows = flows
        self.ends = ends
        self.frames = frames
        self.links = links
        self.events = events
    }

    /// The batch's content; its producer and sequence go in the header.
    public init(_ batch: RecordBatch, frames: FrameBatch? = nil) {
        self.init(covers: batch.covers, packets: batch.packets, flows: batch.flows, ends: batch.ends,
                  frames: frames, links: batch.links, events: batch.events)
    }

    /// The batch this message carries under the header's (producer, sequence).
    public func batch(producer: UUID, sequence: UInt64) -> RecordBatch {
        RecordBatch(producer: producer, sequence: sequence, covers: covers, packets: packets, flows: flows,
                    ends: ends, links: links, events: events)
    }

    public var itemCount: UInt32 { UInt32(truncatingIfNeeded: packets.count &+ flows.count) }

    // MARK: Encoding

    public func encodePayload() -> [UInt8] {
        var w = WireWriter(capacity: Self.prefixSize + Self.coverSize * covers.count
                           + (Self.packetFixedSize + 44) * packets.count + (Self.flowFixedSize + 72) * flows.count
                           + (frames.map { 8 + $0.byteCount } ?? 0) + 24 * links.count + Self.eventsSize(events))
        w.uint32(UInt32(truncatingIfNeeded: covers.count))
        w.uint32(UInt32(truncatingIfNeeded: packets.count))
        w.uint32(UInt32(truncatingIfNeeded: flows.count))
        w.uint16(UInt16(truncatingIfNeeded: ends.count))
        w.uint8((frames == nil ? 0 : 1) | (links.isEmpty ? 0 : 2) | (events.isEmpty ? 0 : 4))
        w.zeros(1)
        for cover in covers {
            w.uuid(cover.producer)
            w.uint64(cover.first)
            w.uint64(cover.last)
        }
        for packet in packets { Self.encode(packet: packet, into: &w) }
        for flow in flows { Self.encode(flow: flow, into: &w) }
        for end in ends {
            let marker = EndOfCapture(captureID: end.captureID, frameCount: end.frameCount,
                                      outcome: end.failureReason == nil ? .complete : .failed,
                                      reason: end.failureReason ?? "")
            w.append(marker.encodePayload())
        }
        if let frames {
            let payload = frames.encodePayload()
            w.uint32(frames.itemCount)
            w.uint32(UInt32(truncatingIfNeeded: payload.count))
            w.append(payload)
        }
        if !links.isEmpty {
            w.uint32(UInt32(truncatingIfNeeded: links.count))
            for link in links {
                w.uint64(link.captureID)
                w.uint64(link.frame)
                w.uint64(link.flowKey)
            }
        }
        if !events.isEmpty { Self.encode(events: events, into: &w) }
        return w.bytes
    }

    /// Address family byte: 0 absent, 4 IPv4, 6 IPv6.
    private static func family(_ address: IPAddress?) -> UInt8 {
        guard let address else { return 0 }
        return address.isIPv6 ? 6 : 4
    }

    private static func encode(address: IPAddress?, into w: inout WireWriter) {
        guard let address else { return }
        if address.isIPv6 {
            w.uint64(address.high.byteSwapped)
            w.uint64(address.low.byteSwapped)
        } else {
            w.uint32(address.v4.byteSwapped)
        }
    }

    private static func encode(vlans: VLANStack, into w: inout WireWriter) {
        for id in vlans.ids { w.uint16(id) }
    }

    /// Packet record: 80 fixed bytes, then the present optional fields.
    ///
    /// 0 capture id (8), 8 frame number (8), 16 timestamp ns (Int64),
    /// 24 captured length (Int32), 28 wire length (Int32), 32 linktype (4),
    /// 36 L2 length (Int32), 40 L3 type (2), 42 L4 type (1), 43 presence
    /// bits (1: bit 0 source port, 1 destination port, 2 flow key, 3 pcap
    /// position; others zero), 44–67 L3/L4/L5 offset and length (6 × Int32),
    /// 68 anomalies (UInt64), 76 source family, 77 destination family
    /// (0 none, 4, 6), 78 VLAN count n (≤ 4), 79 reserved zero; then source
    /// port (2), destination port (2), flow key (8), pcap segment id (Int64)
    /// and offset (Int64) when present, source address (0/4/16), destination
    /// address (0/4/16), n VLAN ids (2 each, ≤ 0x0fff).
    private static func encode(packet p: PacketRecord, into w: inout WireWriter) {
        w.uint64(p.captureID)
        w.uint64(p.frameNumber)
        w.int64(p.timestamp)
        w.uint32(UInt32(bitPattern: p.capturedLength))
        w.uint32(UInt32(bitPattern: p.wireLength))
        w.uint32(p.linkType)
        w.uint32(UInt32(bitPattern: p.l2Length))
        w.uint16(p.l3Type)
        w.uint8(p.l4Type)
        var presence: UInt8 = 0
        if p.sourcePort != nil { presence |= 1 }
        if p.destinationPort != nil { presence |= 2 }
        if p.flowKey != nil { presence |= 4 }
        if p.pcapPosition != nil { presence |= 8 }
        w.uint8(presence)
        for v in [p.l3Offset, p.l3Length, p.l4Offset, p.l4Length, p.l5Offset, p.l5Length] {
            w.uint32(UInt32(bitPattern: v))
        }
        w.uint64(p.anomalies.rawValue)
        w.uint8(family(p.source))
        w.uint8(family(p.destination))
        w.uint8(p.vlans.count)
        w.uint8(0)
        if let port = p.sourcePort { w.uint16(port) }
        if let port = p.destinationPort { w.uint16(port) }
        if let key = p.flowKey { w.uint64(key) }
        if let position = p.pcapPosition {
            w.int64(position.segmentID)
            w.int64(position.offset)
        }
        encode(address: p.source, into: &w)
        encode(address: p.destination, into: &w)
        encode(vlans: p.vlans, into: &w)
    }

    /// Flow record: 100 fixed bytes, then the present optional fields.
    ///
    /// 0 flow key, 8 capture id, 16 first frame, 24 start ns, 32 end ns,
    /// 40/48/56 packets, captured bytes, wire bytes from the source,
    /// 64/72/80 the same from the destination (8 bytes each), 88 source
    /// TCP flags (2), 90 destination TCP flags (2), 92 IP protocol (1),
    /// 93 flags (1: bit 0 final, 1 source port, 2 destination port; others
    /// zero), 94 reason (0 period, 1 timeout, 2 evicted, 3 end), 95 source
    /// family, 96 destination family (4 or 6), 97 VLAN count n (≤ 4),
    /// 98 Community ID length m (UInt16); then source port (2), destination
    /// port (2) when present, source address, destination address, n VLAN
    /// ids (2 each), m bytes of Community ID (UTF-8).
    private static func encode(flow f: FlowRecord, into w: inout WireWriter) {
        w.uint64(f.flowKey)
        w.uint64(f.captureID)
        w.uint64(f.firstFrame)
        w.int64(f.start)
        w.int64(f.end)
        for stats in [f.fromSource, f.fromDestination] {
            w.uint64(stats.packets)
            w.uint64(stats.capturedBytes)
            w.uint64(stats.wireBytes)
        }
        w.uint16(f.fromSource.tcpFlags)
        w.uint16(f.fromDestination.tcpFlags)
        w.uint8(f.protocolNumber)
        var flags: UInt8 = f.isFinal ? 1 : 0
        if f.sourcePort != nil { flags |= 2 }
        if f.destinationPort != nil { flags |= 4 }
        w.uint8(flags)
        w.uint8(reasonCode(f.reason))
        w.uint8(family(f.source))
        w.uint8(family(f.destination))
        w.uint8(f.vlans.count)
        let community = Array(f.communityID.utf8.prefix(Int(UInt16.max)))
        w.uint16(UInt16(truncatingIfNeeded: community.count))
        if let port = f.sourcePort { w.uint16(port) }
        if let port = f.destinationPort { w.uint16(port) }
        encode(address: f.source, into: &w)
        encode(address: f.destination, into: &w)
        encode(vlans: f.vlans, into: &w)
        w.append(community)
    }

    private static func reasonCode(_ reason: FlowReport.Reason) -> UInt8 {
        switch reason {
        case .period: 0
        case .timeout: 1
        case .evicted: 2
        case .end: 3
        }
    }

    private static let reasons: [FlowReport.Reason] = [.period, .timeout, .evicted, .end]

    // MARK: Decoding

    public init(payload: [UInt8], itemCount: UInt32, limits: WireLimits = .default) throws(WireError) {
        var r = WireReader(payload, context: "records.v1")
        let coverCount = try r.uint32("cover count")
        let packetCount = try r.uint32("packet count")
        let flowCount = try r.uint32("flow count")
        let endCount = try r.uint16("capture end count")
        let flags = try r.uint8("flags")
        guard flags & ~7 == 0 else { throw r.error(.invalidValue, "flags \(flags)") }
        try r.reserved(1, "byte 15")
        guard coverCount <= limits.recordCovers else {
            throw r.error(.limitExceeded, "\(coverCount) covers; limit \(limits.recordCovers)")
        }
        guard packetCount <= limits.packetRecords else {
            throw r.error(.limitExceeded, "\(packetCount) packet records; limit \(limits.packetRecords)")
        }
        guard flowCount <= limits.flowRecords else {
            throw r.error(.limitExceeded, "\(flowCount) flow records; limit \(limits.flowRecords)")
        }
        guard UInt64(packetCount) + UInt64(flowCount) == UInt64(itemCount) else {
            throw r.error(.invalidValue, "item count \(itemCount) ≠ \(packetCount) packets + \(flowCount) flows")
        }

        var covers: [SequenceRange] = []
        covers.reserveCapacity(Swift.min(Int(coverCount), r.remaining / Self.coverSize))
        for i in 0 ..< Int(coverCount) {
            let producer = try r.uuid("cover \(i) producer")
            let first = try r.uint64("cover \(i) first")
            let last = try r.uint64("cover \(i) last")
            guard first <= last else { throw r.error(.invalidValue, "cover \(i) first \(first) > last \(last)") }
            covers.append(SequenceRange(producer: producer, first: first, last: last))
        }

        var packets: [PacketRecord] = []
        packets.reserveCapacity(Swift.min(Int(packetCount), r.remaining / Self.packetFixedSize))
        for i in 0 ..< Int(packetCount) {
            packets.append(try Self.decodePacket(&r, "packet \(i)", limits: limits))
        }

        var flows: [FlowRecord] = []
        flows.reserveCapacity(Swift.min(Int(flowCount), r.remaining / Self.flowFixedSize))
        for i in 0 ..< Int(flowCount) {
            flows.append(try Self.decodeFlow(&r, "flow \(i)", limits: limits))
        }

        var ends: [CaptureEnd] = []
        for i in 0 ..< Int(endCount) {
            ends.append(try Self.decodeEnd(&r, "capture end \(i)", limits: limits))
        }

        var frames: FrameBatch?
        if flags & 1 != 0 {
            let frameCount = try r.uint32("frames section count")
            guard frameCount == packetCount else {
                throw r.error(.invalidValue, "frames section has \(frameCount) frames for \(packetCount) packet records")
            }
            let length = try r.uint32("frames section length")
            let bytes = try r.slice(Int(length), "frames section")
            frames = try FrameBatch(payload: Array(bytes), itemCount: frameCount, limits: limits)
        }
        var links: [FlowLink] = []
        if flags & 2 != 0 {
            let count = try r.uint32("links count")
            guard count <= limits.packetRecords else {
                throw r.error(.limitExceeded, "\(count) links; limit \(limits.packetRecords)")
            }
            links.reserveCapacity(Swift.min(Int(count), r.remaining / 24))
            for i in 0 ..< Int(count) {
                links.append(FlowLink(captureID: try r.uint64("link \(i) capture"), frame: try r.uint64("link \(i) frame"),
                                      flowKey: try r.uint64("link \(i) flow key")))
            }
        }
        let events = flags & 4 != 0 ? try Self.decodeEvents(&r, limits: limits) : []
        try r.expectEnd()
        self.covers = covers
        self.packets = packets
        self.flows = flows
        self.ends = ends
        self.frames = frames
        self.links = links
        self.events = events
    }

    /// An `end.v1` payload inside a records payload: same fields, read in place.
    private static func decodeEnd(_ r: inout WireReader, _ at: String,
                                  limits: WireLimits) throws(WireError) -> CaptureEnd {
        let captureID = try r.uint64(at + " capture id")
        let frameCount = try r.uint64(at + " frame count")
        let outcome = try r.uint8(at + " outcome")
        guard outcome <= 1 else { throw r.error(.invalidValue, at + " outcome \(outcome)") }
        try r.reserved(3, at + " bytes 17-19")
        let length = try r.uint32(at + " reason length")
        guard length <= limits.reasonLength else {
            throw r.error(.limitExceeded, at + " reason length \(length); limit \(limits.reasonLength)")
        }
        let text = try r.slice(Int(length), at + " reason")
        guard let reason = String(bytes: text, encoding: .utf8) else {
            throw r.error(.invalidValue, at + " reason is not UTF-8")
        }
        guard outcome == 1 || reason.isEmpty else {
            throw r.error(.invalidValue, at + " a complete end carries no reason")
        }
        return CaptureEnd(captureID: captureID, frameCount: frameCount,
                          failureReason: outcome == 1 ? reason : nil)
    }

    private static func int32(_ r: inout WireReader, _ field: @autoclosure () -> String) throws(WireError) -> Int32 {
        Int32(bitPattern: try r.uint32(field()))
    }

    private static func checkFamily(_ family: UInt8, _ r: WireReader, _ field: String,
                                    optional: Bool) throws(WireError) {
        guard family == 4 || family == 6 || (optional && family == 0) else {
            throw r.error(.invalidValue, "\(field) address family \(family)")
        }
    }

    private static func checkVLANCount(_ count: UInt8, _ r: WireReader, _ field: String,
                                       limits: WireLimits) throws(WireError) {
        let limit = Swift.min(limits.vlanIDs, VLANStack.capacity)
        guard count <= limit else { throw r.error(.limitExceeded, "\(field) \(count) VLAN ids; limit \(limit)") }
    }

    private static func address(_ r: inout WireReader, family: UInt8,
                                _ field: @autoclosure () -> String) throws(WireError) -> IPAddress? {
        switch family {
        case 4: return IPAddress(v4: try r.uint32(field()).byteSwapped)
        case 6:
            let high = try r.uint64(field()).byteSwapped
            return IPAddress(v6High: high, v6Low: try r.uint64(field()).byteSwapped)
        default: return nil
        }
    }

    private static func vlans(_ r: inout WireReader, count: UInt8,
                              _ field: @autoclosure () -> String) throws(WireError) -> VLANStack {
        var stack = VLANStack()
        for k in 0 ..< Int(count) {
            let id = try r.uint16(field() + " VLAN \(k)")
            guard id <= 0x0fff, stack.push(id) else { throw r.error(.invalidValue, field() + " VLAN \(k) id \(id)") }
        }
        return stack
    }

    private static func decodePacket(_ r: inout WireReader, _ at: String,
                                     limits: WireLimits) throws(WireError) -> PacketRecord {
        let captureID = try r.uint64(at + " capture id")
        let frameNumber = try r.uint64(at + " frame number")
        let timestamp = try r.int64(at + " timestamp")
        let capturedLength = try int32(&r, at + " captured length")
        let wireLength = try int32(&r, at + " wire length")
        let linkType = try r.uint32(at + " linktype")
        let l2Length = try int32(&r, at + " L2 length")
        let l3Type = try r.uint16(at + " L3 type")
        let l4Type = try r.uint8(at + " L4 type")
        let presence = try r.uint8(at + " presence")
        var layers: [Int32] = []
        for name in ["L3 offset", "L3 length", "L4 offset", "L4 length", "L5 offset", "L5 length"] {
            layers.append(try int32(&r, at + " " + name))
        }
        let anomalies = AnomalySet(rawValue: try r.uint64(at + " anomalies"))
        let sourceFamily = try r.uint8(at + " source family")
        let destinationFamily = try r.uint8(at + " destination family")
        let vlanCount = try r.uint8(at + " VLAN count")
        try r.reserved(1, at + " byte 79")
        guard presence & 0xF0 == 0 else { throw r.error(.invalidValue, at + " presence bits \(presence)") }
        try checkFamily(sourceFamily, r, at + " source", optional: true)
        try checkFamily(destinationFamily, r, at + " destination", optional: true)
        try checkVLANCount(vlanCount, r, at, limits: limits)

        let sourcePort = presence & 1 != 0 ? try r.uint16(at + " source port") : nil
        let destinationPort = presence & 2 != 0 ? try r.uint16(at + " destination port") : nil
        let flowKey = presence & 4 != 0 ? try r.uint64(at + " flow key") : nil
        var pcapPosition: PcapPosition?
        if presence & 8 != 0 {
            let segment = try r.int64(at + " pcap segment")
            pcapPosition = PcapPosition(segmentID: segment, offset: try r.int64(at + " pcap offset"))
        }
        let source = try address(&r, family: sourceFamily, at + " source address")
        let destination = try address(&r, family: destinationFamily, at + " destination address")
        let vlans = try vlans(&r, count: vlanCount, at)
        return PacketRecord(captureID: captureID, frameNumber: frameNumber, timestamp: timestamp,
                            capturedLength: capturedLength, wireLength: wireLength, linkType: linkType,
                            l2Length: l2Length, l3Type: l3Type, l3Offset: layers[0], l3Length: layers[1],
                            l4Type: l4Type, l4Offset: layers[2], l4Length: layers[3],
                            l5Offset: layers[4], l5Length: layers[5],
                            source: source, destination: destination,
                            sourcePort: sourcePort, destinationPort: destinationPort, vlans: vlans,
                            anomalies: anomalies, flowKey: flowKey, pcapPosition: pcapPosition)
    }

    private static func decodeFlow(_ r: inout WireReader, _ at: String,
                                   limits: WireLimits) throws(WireError) -> FlowRecord {
        let flowKey = try r.uint64(at + " flow key")
        let captureID = try r.uint64(at + " capture id")
        let firstFrame = try r.uint64(at + " first frame")
        let start = try r.int64(at + " start")
        let end = try r.int64(at + " end")
        var stats: [FlowDirectionStats] = []
        for side in ["source", "destination"] {
            let packets = try r.uint64(at + " \(side) packets")
            let captured = try r.uint64(at + " \(side) captured bytes")
            let wire = try r.uint64(at + " \(side) wire bytes")
            stats.append(FlowDirectionStats(packets: packets, capturedBytes: captured, wireBytes: wire))
        }
        stats[0].tcpFlags = try r.uint16(at + " source TCP flags")
        stats[1].tcpFlags = try r.uint16(at + " destination TCP flags")
        let protocolNumber = try r.uint8(at + " protocol")
        let flags = try r.uint8(at + " flags")
        let reasonCode = try r.uint8(at + " reason")
        let sourceFamily = try r.uint8(at + " source family")
        let destinationFamily = try r.uint8(at + " destination family")
        let vlanCount = try r.uint8(at + " VLAN count")
        let communityLength = try r.uint16(at + " Community ID length")
        guard flags & 0xF8 == 0 else { throw r.error(.invalidValue, at + " flags \(flags)") }
        guard Int(reasonCode) < reasons.count else { throw r.error(.invalidValue, at + " reason \(reasonCode)") }
        try checkFamily(sourceFamily, r, at + " source", optional: false)
        try checkFamily(destinationFamily, r, at + " destination", optional: false)
        try checkVLANCount(vlanCount, r, at, limits: limits)
        guard communityLength <= limits.communityIDLength else {
            throw r.error(.limitExceeded, at + " Community ID length \(communityLength); limit \(limits.communityIDLength)")
        }

        let sourcePort = flags & 2 != 0 ? try r.uint16(at + " source port") : nil
        let destinationPort = flags & 4 != 0 ? try r.uint16(at + " destination port") : nil
        let source = try address(&r, family: sourceFamily, at + " source address") ?? .none
        let destination = try address(&r, family: destinationFamily, at + " destination address") ?? .none
        let vlans = try vlans(&r, count: vlanCount, at)
        let text = try r.slice(Int(communityLength), at + " Community ID")
        guard let communityID = String(bytes: text, encoding: .utf8) else {
            throw r.error(.invalidValue, at + " Community ID is not UTF-8")
        }
        return FlowRecord(flowKey: flowKey, captureID: captureID, communityID: communityID,
                          source: source, destination: destination, protocolNumber: protocolNumber,
                          sourcePort: sourcePort, destinationPort: destinationPort, vlans: vlans,
                          fromSource: stats[0], fromDestination: stats[1], firstFrame: firstFrame,
                          start: start, end: end, isFinal: flags & 1 != 0, reason: reasons[Int(reasonCode)])
    }
}

extension RecordBatch {
    /// The batch as a `records.v1` envelope under its own (producer, sequence).
    public var envelope: Envelope {
        RecordsMessage(self).envelope(producer: producer, sequence: sequence)
    }

    /// The batch a `records.v1` envelope carries; producer and sequence come
    /// from its header.
    public init(_ envelope: Envelope, limits: WireLimits = .default) throws(WireError) {
        let message = try RecordsMessage(envelope, limits: limits)
        self = message.batch(producer: envelope.header.producer, sequence: envelope.header.sequence)
    }
}
