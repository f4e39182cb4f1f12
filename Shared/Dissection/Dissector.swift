/// Decodes L2–L4 of one captured frame into a `DecodedPacket`, reading only
/// through a bounded cursor. Never fails: problems become anomalies.
public struct Dissector: Sendable {
    public struct Limits: Sendable {
        /// 802.1Q/802.1ad tags followed before giving up; real networks stack two.
        public var maxVLANTags = 8
        /// MPLS labels followed before giving up; deep stacks are rare past 6.
        public var maxMPLSLabels = 16
        /// IPv6 extension headers followed; bounds work on crafted chains.
        public var maxIPv6ExtensionHeaders = 16
        public init() {}
    }

    public var limits: Limits

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    public func dissect(_ frame: UnsafeRawBufferPointer, linkType: LinkType, wireLength: Int) -> DecodedPacket {
        var packet = DecodedPacket()
        packet.linkType = linkType
        packet.capturedLength = Int32(truncatingIfNeeded: frame.count)
        packet.wireLength = Int32(truncatingIfNeeded: wireLength)
        if frame.count < wireLength { packet.anomalies.insert(.snaplenTruncated) }
        decodeLink(ByteCursor(frame), into: &packet)
        return packet
    }

    func decodeLink(_ cursor: ByteCursor, into packet: inout DecodedPacket) {
        var cursor = cursor
        switch packet.linkType {
        case .ethernet:
            decodeEthernet(&cursor, into: &packet)
        case .linuxSLL:
            decodeSLL(&cursor, into: &packet)
        case .linuxSLL2:
            decodeSLL2(&cursor, into: &packet)
        case .null, .loop:
            decodeNull(&cursor, into: &packet)
        case .raw:
            decodeRawIP(&cursor, into: &packet)
        case .ipv4:
            decodeNetwork(etherType: EtherType.ipv4, &cursor, into: &packet)
        case .ipv6:
            decodeNetwork(etherType: EtherType.ipv6, &cursor, into: &packet)
        default:
            packet.anomalies.insert(.unsupportedLinkType)
        }
    }

    /// Follows VLAN tags and MPLS labels from an EtherType, then decodes the
    /// network layer it lands on.
    func decodeNetwork(etherType: UInt16, _ cursor: inout ByteCursor, into packet: inout DecodedPacket) {
        var type = etherType
        var tags = 0
        while type == EtherType.vlan || type == EtherType.qinq || type == EtherType.qinqLegacy {
            tags += 1
            guard tags <= limits.maxVLANTags else {
                packet.anomalies.insert(.tooManyVLANTags)
                packet.l2Length = Int32(cursor.position)
                return
            }
            guard let tci = cursor.readUInt16(), let next = cursor.readUInt16() else {
                packet.anomalies.insert(.vlanTagTruncated)
                packet.l2Length = Int32(cursor.position)
                return
            }
            if !packet.vlans.push(tci & 0x0fff) { packet.anomalies.insert(.vlanStackTruncated) }
            type = next
        }
        if type == EtherType.mplsUnicast || type == EtherType.mplsMulticast {
            guard let inner = decodeMPLS(&cursor, into: &packet) else {
                packet.l2Length = Int32(cursor.position)
                return
            }
            type = inner
        }
        packet.l2Length = Int32(cursor.position)
        packet.l3Type = type
        switch type {
        case EtherType.ipv4: decodeIPv4(&cursor, into: &packet)
        case EtherType.ipv6: decodeIPv6(&cursor, into: &packet)
        default:
            packet.l3Offset = Int32(cursor.position)
        }
    }
}
