/// What dissection learned about one frame. Offsets and lengths are bytes
/// from the start of the captured frame (AppPacCap's L2t…L5l); a field is 0
/// when its layer is absent. A flat value: decoding a packet allocates nothing.
public struct DecodedPacket: Sendable {
    public var linkType: LinkType = .ethernet
    public var capturedLength: Int32 = 0
    public var wireLength: Int32 = 0

    /// Bytes before the network header: link header, VLAN tags, MPLS labels.
    public var l2Length: Int32 = 0
    public var vlans = VLANStack()
    public var mplsLabels: UInt8 = 0

    /// EtherType of the network layer (0x0800, 0x86DD, 0x0806…); 0 if none.
    public var l3Type: UInt16 = 0
    public var l3Offset: Int32 = 0
    /// Network header length; for IPv6 it includes the extension headers.
    public var l3Length: Int32 = 0
    /// 4 or 6 when an IP header was read; 0 otherwise.
    public var ipVersion: UInt8 = 0
    public var source = IPAddress.none
    public var destination = IPAddress.none
    public var ttl: UInt8 = 0
    /// Bytes the IP header says follow it (payload length), before clamping.
    public var ipPayloadLength: Int32 = 0
    public var fragment: FragmentInfo? = nil

    /// IP protocol number of the transport (after IPv6 extension headers).
    public var l4Type: UInt8 = 0
    public var l4Offset: Int32 = 0
    public var l4Length: Int32 = 0
    public var l5Offset: Int32 = 0
    public var l5Length: Int32 = 0

    public var hasPorts = false
    public var sourcePort: UInt16 = 0
    public var destinationPort: UInt16 = 0
    public var tcp = TCPInfo()
    public var icmp: ICMPInfo? = nil

    public var anomalies = AnomalySet()

    public init() {}

    public var hasIP: Bool { ipVersion != 0 }
}

public struct VLANStack: Hashable, Sendable {
    /// Up to `capacity` 12-bit ids, outermost in the high bits.
    public private(set) var packed: UInt64 = 0
    public private(set) var count: UInt8 = 0
    public static let capacity = 4

    public init() {}

    public mutating func push(_ id: UInt16) -> Bool {
        guard count < Self.capacity else { return false }
        packed |= UInt64(id & 0x0fff) << UInt64(48 - 16 * Int(count))
        count += 1
        return true
    }

    public var ids: [UInt16] {
        (0..<Int(count)).map { UInt16(truncatingIfNeeded: packed >> UInt64(48 - 16 * $0)) }
    }
}

public struct FragmentInfo: Sendable, Hashable {
    /// IPv4: 16-bit identification; IPv6: 32-bit fragment header id.
    public var identification: UInt32
    /// Byte offset of this piece in the datagram's payload.
    public var offset: Int32
    public var moreFragments: Bool
    /// Frame offset and length of this piece's payload bytes.
    public var payloadOffset: Int32
    public var payloadLength: Int32
}

public struct TCPInfo: Sendable, Hashable {
    public var flags: UInt16 = 0
    public var sequence: UInt32 = 0
    public var acknowledgment: UInt32 = 0
    public var window: UInt16 = 0

    public static let fin: UInt16 = 0x01
    public static let syn: UInt16 = 0x02
    public static let rst: UInt16 = 0x04
    public static let psh: UInt16 = 0x08
    public static let ack: UInt16 = 0x10
    public static let urg: UInt16 = 0x20
    public static let ece: UInt16 = 0x40
    public static let cwr: UInt16 = 0x80
    public static let ns: UInt16 = 0x100
}

public struct ICMPInfo: Sendable, Hashable {
    public var type: UInt8
    public var code: UInt8
    /// Echo identifier and sequence (echo request/reply only).
    public var echoID: UInt16? = nil
    public var echoSequence: UInt16? = nil
    /// The 5-tuple of the packet an ICMP error quotes, when present.
    public var quoted: QuotedTuple? = nil

    public init(type: UInt8, code: UInt8, echoID: UInt16? = nil, echoSequence: UInt16? = nil,
                quoted: QuotedTuple? = nil) {
        self.type = type
        self.code = code
        self.echoID = echoID
        self.echoSequence = echoSequence
        self.quoted = quoted
    }
}

public struct QuotedTuple: Sendable, Hashable {
    public var source: IPAddress
    public var destination: IPAddress
    public var protocolNumber: UInt8
    public var hasPorts: Bool
    public var sourcePort: UInt16
    public var destinationPort: UInt16
}
