import Dissection

/// The addresses, protocol and ports a flow is keyed by, oriented as the
/// packet travelled. ICMP types stand in for ports as the Community ID spec
/// says: the type is the source port and the counterpart type (or, for
/// types without one, the code) the destination port.
public struct FlowTuple: Hashable, Sendable {
    public var source: IPAddress
    public var destination: IPAddress
    public var protocolNumber: UInt8
    public var hasPorts: Bool
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    /// ICMP messages without a counterpart type are never paired with the
    /// reverse direction.
    public var isOneWay: Bool

    public init(source: IPAddress, destination: IPAddress, protocolNumber: UInt8,
                sourcePort: UInt16? = nil, destinationPort: UInt16? = nil, isOneWay: Bool = false) {
        self.source = source
        self.destination = destination
        self.protocolNumber = protocolNumber
        self.hasPorts = sourcePort != nil && destinationPort != nil
        self.sourcePort = sourcePort ?? 0
        self.destinationPort = destinationPort ?? 0
        self.isOneWay = isOneWay
    }

    /// Nil for packets without an IP layer.
    public init?(_ packet: DecodedPacket) {
        guard packet.hasIP else { return nil }
        self.init(source: packet.source, destination: packet.destination, protocolNumber: packet.l4Type)
        if let icmp = packet.icmp, packet.l4Type == IPProtocol.icmp || packet.l4Type == IPProtocol.icmpv6 {
            let counterpart = Self.icmpCounterpart(type: icmp.type, isIPv6: packet.l4Type == IPProtocol.icmpv6)
            hasPorts = true
            sourcePort = UInt16(icmp.type)
            destinationPort = UInt16(counterpart ?? icmp.code)
            isOneWay = counterpart == nil
        } else if packet.hasPorts {
            hasPorts = true
            sourcePort = packet.sourcePort
            destinationPort = packet.destinationPort
        }
    }

    /// Request/response ICMP types, per the Community ID spec.
    static func icmpCounterpart(type: UInt8, isIPv6: Bool) -> UInt8? {
        if isIPv6 {
            switch type {
            case 128: 129
            case 129: 128
            case 130: 131
            case 131: 130
            case 133: 134
            case 134: 133
            case 135: 136
            case 136: 135
            case 139: 140
            case 140: 139
            case 144: 145
            case 145: 144
            default: nil
            }
        } else {
            switch type {
            case 8: 0
            case 0: 8
            case 13: 14
            case 14: 13
            case 15: 16
            case 16: 15
            case 10: 9
            case 9: 10
            case 17: 18
            case 18: 17
            default: nil
            }
        }
    }

    /// True when this orientation is already the canonical one: one-way, or
    /// the smaller (address, port) endpoint first.
    public var isCanonicalOrder: Bool {
        if isOneWay { return true }
        if source != destination { return source < destination }
        return sourcePort <= destinationPort
    }

    public var reversed: FlowTuple {
        var r = self
        r.source = destination; r.destination = source
        r.sourcePort = destinationPort; r.destinationPort = sourcePort
        return r
    }
}
