extension Dissector {
    /// Ethernet II: destination, source, EtherType; a value ≤ 1500 is an
    /// 802.3 length (LLC follows) and ends decoding at L2.
    func decodeEthernet(_ cursor: inout ByteCursor, into packet: inout DecodedPacket) {
        guard cursor.skip(12), let type = cursor.readUInt16() else {
            packet.anomalies.insert(.linkHeaderTruncated)
            packet.l2Length = Int32(cursor.bytes.count)
            return
        }
        if type <= 1500 {
            packet.l2Length = Int32(cursor.position)
            return
        }
        decodeNetwork(etherType: type, &cursor, into: &packet)
    }

    /// Linux cooked capture v1: 16 bytes, protocol last.
    func decodeSLL(_ cursor: inout ByteCursor, into packet: inout DecodedPacket) {
        guard cursor.skip(14), let proto = cursor.readUInt16() else {
            packet.anomalies.insert(.linkHeaderTruncated)
            packet.l2Length = Int32(cursor.bytes.count)
            return
        }
        decodeNetwork(etherType: proto, &cursor, into: &packet)
    }

    /// Linux cooked capture v2: 20 bytes, protocol first.
    func decodeSLL2(_ cursor: inout ByteCursor, into packet: inout DecodedPacket) {
        guard let proto = cursor.readUInt16(), cursor.skip(18) else {
            packet.anomalies.insert(.linkHeaderTruncated)
            packet.l2Length = Int32(cursor.bytes.count)
            return
        }
        decodeNetwork(etherType: proto, &cursor, into: &packet)
    }

    /// BSD null/loopback: a 4-byte address family in the capturing host's
    /// byte order (LINKTYPE_LOOP: always network order). IPv6 is 10, 24, 28
    /// or 30 depending on the OS.
    func decodeNull(_ cursor: inout ByteCursor, into packet: inout DecodedPacket) {
        guard let raw = cursor.readUInt32() else {
            packet.anomalies.insert(.linkHeaderTruncated)
            packet.l2Length = Int32(cursor.bytes.count)
            return
        }
        let family = (packet.linkType == .loop || raw & 0xffff0000 == 0) ? raw : raw.byteSwapped
        packet.l2Length = 4
        switch family {
        case 2: decodeNetwork(etherType: EtherType.ipv4, &cursor, into: &packet)
        case 10, 24, 28, 30: decodeNetwork(etherType: EtherType.ipv6, &cursor, into: &packet)
        default: packet.anomalies.insert(.unknownLinkFamily)
        }
    }

    /// Raw IP: the version nibble decides.
    func decodeRawIP(_ cursor: inout ByteCursor, into packet: inout DecodedPacket) {
        guard let first = cursor.peekUInt8() else {
            packet.anomalies.insert(.linkHeaderTruncated)
            return
        }
        switch first >> 4 {
        case 4: decodeNetwork(etherType: EtherType.ipv4, &cursor, into: &packet)
        case 6: decodeNetwork(etherType: EtherType.ipv6, &cursor, into: &packet)
        default: packet.anomalies.insert(.unknownLinkFamily)
        }
    }

    /// MPLS label stack up to bottom-of-stack; the payload's version nibble
    /// names the network layer. Returns its EtherType, or nil when unknown.
    func decodeMPLS(_ cursor: inout ByteCursor, into packet: inout DecodedPacket) -> UInt16? {
        var labels = 0
        while true {
            guard let entry = cursor.readUInt32() else {
                packet.anomalies.insert(.mplsTruncated)
                return nil
            }
            labels += 1
            packet.mplsLabels = UInt8(truncatingIfNeeded: min(labels, 255))
            if entry & 0x100 != 0 { break }
            guard labels < limits.maxMPLSLabels else {
                packet.anomalies.insert(.tooManyMPLSLabels)
                return nil
            }
        }
        // Nothing after the bottom of the stack: the payload was cut off.
        guard let first = cursor.peekUInt8() else {
            packet.anomalies.insert(.mplsTruncated)
            return nil
        }
        switch first >> 4 {
        case 4: return EtherType.ipv4
        case 6: return EtherType.ipv6
        default: return nil
        }
    }
}
