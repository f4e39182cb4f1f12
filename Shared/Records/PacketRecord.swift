import Dissection
import Flows

/// Where a packet's bytes sit in the pcap store: a segment file and the
/// byte offset of its record header. Filled in by storage once the pcap
/// store exists; nil until then.
public struct PcapPosition: Hashable, Sendable {
    public var segmentID: Int64
    public var offset: Int64

    public init(segmentID: Int64, offset: Int64) {
        self.segmentID = segmentID
        self.offset = offset
    }
}

/// One stored packet row: what the decoder learned about one frame, without
/// its bytes. Offsets and lengths are AppPacCap's L2t…L5l (bytes from the
/// start of the captured frame, 0 when the layer is absent); times are
/// nanoseconds since the Unix epoch.
public struct PacketRecord: Hashable, Sendable {
    public var captureID: UInt64
    /// From 1 in capture order: tshark's `frame.number`.
    public var frameNumber: UInt64
    public var timestamp: Int64
    public var capturedLength: Int32
    public var wireLength: Int32

    /// `L2t`: the capture's LINKTYPE_* value.
    public var linkType: UInt32
    /// `L2l`: link header plus VLAN tags plus MPLS labels.
    public var l2Length: Int32
    /// `L3t`: EtherType of the network layer, 0 if none.
    public var l3Type: UInt16
    public var l3Offset: Int32
    public var l3Length: Int32
    /// `L4t`: IP protocol number, 0 without an IP layer.
    public var l4Type: UInt8
    public var l4Offset: Int32
    public var l4Length: Int32
    public var l5Offset: Int32
    public var l5Length: Int32

    /// Nil when no IP header was read.
    public var source: IPAddress?
    public var destination: IPAddress?
    /// Nil when the transport has no ports (or was not decoded).
    public var sourcePort: UInt16?
    public var destinationPort: UInt16?
    /// Outermost tag first; empty when untagged.
    public var vlans: VLANStack
    public var anomalies: AnomalySet
    /// The flow the frame was counted into (`FlowReport.id`); nil for
    /// frames outside any flow (non-IP, fragments still waiting).
    public var flowKey: UInt64?
    public var pcapPosition: PcapPosition?

    public init(captureID: UInt64, frameNumber: UInt64, timestamp: Int64, capturedLength: Int32, wireLength: Int32,
                linkType: UInt32, l2Length: Int32 = 0, l3Type: UInt16 = 0, l3Offset: Int32 = 0, l3Length: Int32 = 0,
                l4Type: UInt8 = 0, l4Offset: Int32 = 0, l4Length: Int32 = 0, l5Offset: Int32 = 0, l5Length: Int32 = 0,
                source: IPAddress? = nil, destination: IPAddress? = nil,
                sourcePort: UInt16? = nil, destinationPort: UInt16? = nil,
                vlans: VLANStack = VLANStack(), anomalies: AnomalySet = AnomalySet(),
                flowKey: UInt64? = nil, pcapPosition: PcapPosition? = nil) {
        self.captureID = captureID
        self.frameNumber = frameNumber
        self.timestamp = timestamp
        self.capturedLength = capturedLength
        self.wireLength = wireLength
        self.linkType = linkType
        self.l2Length = l2Length
        self.l3Type = l3Type
        self.l3Offset = l3Offset
        self.l3Length = l3Length
        self.l4Type = l4Type
        self.l4Offset = l4Offset
        self.l4Length = l4Length
        self.l5Offset = l5Offset
        self.l5Length = l5Length
        self.source = source
        self.destination = destination
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.vlans = vlans
        self.anomalies = anomalies
        self.flowKey = flowKey
        self.pcapPosition = pcapPosition
    }

    /// The IP version counted in capture totals: 4, 6, or 0 without IP.
    public var ipVersion: UInt8 {
        guard let source else { return 0 }
        return source.isIPv6 ? 6 : 4
    }
}
