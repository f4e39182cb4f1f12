extension Dissector {
    /// Decodes the transport header at the cursor, which is bounded by the
    /// IP payload; `declaredLength` is the transport's length as the IP
    /// header states it (captured or not). Public so reassembled datagrams
    /// reuse it; their offsets are then relative to the reassembled payload.
    public func decodeTransport(_ proto: UInt8, _ cursor: inout ByteCursor, declaredLength: Int,
                                into packet: inout DecodedPacket) {
        packet.l4Type = proto
        packet.l4Offset = Int32(cursor.position)
        switch proto {
        case IPProtocol.tcp: decodeTCP(&cursor, into: &packet)
        case IPProtocol.udp: decodeUDP(&cursor, declaredLength: declaredLength, into: &packet)
        case IPProtocol.sctp: decodeSCTP(&cursor, into: &packet)
        case IPProtocol.icmp: decodeICMP(&cursor, version: 4, into: &packet)
        case IPProtocol.icmpv6: decodeICMP(&cursor, version: 6, into: &packet)
        default:
            packet.l4Length = 0
            setPayload(cursor, into: &packet)
        }
    }

    func setPayload(_ cursor: ByteCursor, into packet: inout DecodedPacket) {
        packet.l5Offset = Int32(cursor.position)
        packet.l5Length = Int32(cursor.remaining)
    }

    func decodeTCP(_ cursor: inout ByteCursor, into packet: inout DecodedPacket) {
        guard let sport = cursor.peekUInt16(), let dport = cursor.peekUInt16(at: 2) else {
            packet.anomalies.insert(.tcpHeaderTruncated)
            packet.l4Length = Int32(cursor.remaining)
            return
        }
        packet.hasPorts = true
        packet.sourcePort = sport
        packet.destinationPort = dport
        guard cursor.has(20), let offsetFlags = cursor.peekUInt16(at: 12) else {
            packet.anomalies.insert(.tcpHeaderTruncated)
            packet.l4Length = Int32(cursor.remaining)
            return
        }
        packet.tcp = TCPInfo(flags: offsetFlags & 0x01ff, sequence: cursor.peekUInt32(at: 4) ?? 0,
                             acknowledgment: cursor.peekUInt32(at: 8) ?? 0, window: cursor.peekUInt16(at: 14) ?? 0)
        let headerLength = Int(offsetFlags >> 12) * 4
        guard headerLength >= 20 else {
            packet.anomalies.insert(.tcpBadDataOffset)
            packet.l4Length = 20
            return
        }
        packet.l4Length = Int32(headerLength)
        let start = cursor.position
        guard cursor.skip(headerLength) else {
            packet.anomalies.insert(.tcpHeaderTruncated)
            packet.l4Length = Int32(cursor.remaining)
            return
        }
        if headerLength > 20 {
            let options = UnsafeRawBufferPointer(rebasing: cursor.bytes[start + 20 ..< start + headerLength])
            if !Self.optionsWellFormed(options) { packet.anomalies.insert(.tcpOptionsMalformed) }
        }
        setPayload(cursor, into: &packet)
    }

    func decodeUDP(_ cursor: inout ByteCursor, declaredLength: Int, into packet: inout DecodedPacket) {
        guard cursor.has(8), let sport = cursor.peekUInt16(), let dport = cursor.peekUInt16(at: 2),
              let length = cursor.peekUInt16(at: 4) else {
            packet.anomalies.insert(.udpHeaderTruncated)
            packet.l4Length = Int32(cursor.remaining)
            if let sport = cursor.peekUInt16(), let dport = cursor.peekUInt16(at: 2) {
                packet.hasPorts = true
                packet.sourcePort = sport
                packet.destinationPort = dport
            }
            return
        }
        packet.hasPorts = true
        packet.sourcePort = sport
        packet.destinationPort = dport
        packet.l4Length = 8
        let available = cursor.remaining
        _ = cursor.skip(8)
        if length < 8 || (declaredLength >= 8 && Int(length) > declaredLength) {
            packet.anomalies.insert(.udpBadLength)
        }
        packet.l5Offset = Int32(cursor.position)
        packet.l5Length = Int32(max(0, min(Int(length) - 8, available - 8)))
        if length < 8 { packet.l5Length = Int32(cursor.remaining) }
    }

    func decodeSCTP(_ cursor: inout ByteCursor, into packet: inout DecodedPacket) {
        guard let sport = cursor.peekUInt16(), let dport = cursor.peekUInt16(at: 2) else {
            packet.anomalies.insert(.sctpTruncated)
            packet.l4Length = Int32(cursor.remaining)
            return
        }
        packet.hasPorts = true
        packet.sourcePort = sport
        packet.destinationPort = dport
        guard cursor.skip(12) else {
            packet.anomalies.insert(.sctpTruncated)
            packet.l4Length = Int32(cursor.remaining)
            return
        }
        packet.l4Length = 12
        setPayload(cursor, into: &packet)
    }

    /// ICMPv4 and ICMPv6 share the first 8 bytes: type, code, checksum, then
    /// either echo id/sequence or 4 bytes of which errors quote nothing.
    func decodeICMP(_ cursor: inout ByteCursor, version: UInt8, into packet: inout DecodedPacket) {
        let truncated: Anomaly = version == 4 ? .icmpTruncated : .icmpv6Truncated
        guard let type = cursor.peekUInt8(), let code = cursor.peekUInt8(at: 1) else {
            packet.anomalies.insert(truncated)
            packet.l4Length = Int32(cursor.remaining)
            return
        }
        var info = ICMPInfo(type: type, code: code)
        guard cursor.has(8) else {
            packet.anomalies.insert(truncated)
            packet.l4Length = Int32(cursor.remaining)
            packet.icmp = info
            return
        }
        let isEcho = version == 4 ? (type == 8 || type == 0) : (type == 128 || type == 129)
        if isEcho {
            info.echoID = cursor.peekUInt16(at: 4)
            info.echoSequence = cursor.peekUInt16(at: 6)
        }
        _ = cursor.skip(8)
        packet.l4Length = 8
        if Self.isICMPError(type: type, version: version) {
            info.quoted = decodeQuoted(cursor, into: &packet)
        }
        packet.icmp = info
        setPayload(cursor, into: &packet)
    }

    /// Destination unreachable, source quench, redirect, time exceeded and
    /// parameter problem (v4); their four v6 counterparts.
    static func isICMPError(type: UInt8, version: UInt8) -> Bool {
        switch (version, type) {
        case (4, 3), (4, 4), (4, 5), (4, 11), (4, 12), (6, 1), (6, 2), (6, 3), (6, 4): true
        default: false
        }
    }

    /// The IP header and first 8 bytes of the packet an ICMP error quotes.
    func decodeQuoted(_ cursor: ByteCursor, into packet: inout DecodedPacket) -> QuotedTuple? {
        var inner = DecodedPacket()
        inner.capturedLength = Int32(cursor.remaining)
        inner.wireLength = inner.capturedLength
        inner.anomalies.insert(.snaplenTruncated) // quoted packets are cut short by design
        var c = ByteCursor(UnsafeRawBufferPointer(rebasing: cursor.bytes[cursor.position...]))
        switch c.peekUInt8().map({ $0 >> 4 }) {
        case 4: decodeIPv4(&c, into: &inner)
        case 6: decodeIPv6(&c, into: &inner)
        default:
            packet.anomalies.insert(.icmpInnerTruncated)
            return nil
        }
        guard inner.hasIP, !inner.anomalies.contains(.ipv4HeaderTruncated),
              !inner.anomalies.contains(.ipv6HeaderTruncated) else {
            packet.anomalies.insert(.icmpInnerTruncated)
            return nil
        }
        return QuotedTuple(source: inner.source, destination: inner.destination, protocolNumber: inner.l4Type,
                           hasPorts: inner.hasPorts, sourcePort: inner.sourcePort, destinationPort: inner.destinationPort)
    }
}
