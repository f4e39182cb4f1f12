import Auth
import Formats
import Foundation
import Wire

/// AppPacCap CAPTUREMETA, plus `Status` and the `DTG*` times as RFC 3339.
/// A capture has no process (NetSift captures whole interfaces): the
/// process fields describe the system, as AppPacCap does for system captures.
public struct CaptureMetaObject: Encodable, Sendable {
    public var Version = 1
    public var CaptureId: UInt64
    public var ProcessId = 0
    public var Pid = 4
    public var Tid = 0
    public var ModuleName = "System"
    public var Path = "System"
    public var ImgSrc = ""
    public var ParentPid = 0
    public var ParentModuleName = ""
    public var ParentPath = ""
    public var ParentImgSrc = ""
    public var DTGFirst: Int64
    public var DTGFirstText: String
    public var DTGLast: Int64
    public var DTGLastText: String
    public var LastConnectionId: UInt64
    public var LastIpId = 0
    public var LastPacketId: UInt64
    public var LastProcessId = 0
    public var TotalPackets: UInt64
    public var TotalBytes: UInt64
    public var TotalConnections: UInt64
    public var Status: String

    public init(_ meta: QueryMessage.CaptureMeta) {
        CaptureId = meta.capture.id
        let first = meta.capture.firstPacket ?? meta.capture.startedAt
        let last = meta.capture.lastPacket ?? first
        DTGFirst = FileTime.from(nanoseconds: first)
        DTGFirstText = Timestamp.rfc3339(first)
        DTGLast = FileTime.from(nanoseconds: last)
        DTGLastText = Timestamp.rfc3339(last)
        LastConnectionId = meta.lastFlowID
        LastPacketId = meta.lastPacketID
        TotalPackets = meta.capture.packets
        TotalBytes = meta.capture.bytes
        TotalConnections = meta.flows
        Status = meta.capture.status
    }
}

/// AppPacCap PACKET: `Id` is the frame number, `ConnectionId` the flow id
/// (0 outside a flow), `Size` the captured length; plus the wire length,
/// the time as RFC 3339, and the decoder's anomaly bits.
public struct PacketObject: Encodable, Sendable {
    public var Version = 1
    public var ConnectionId: UInt64
    public var Id: UInt64
    public var DTG: Int64
    public var DTGText: String
    public var Size: Int
    public var WireSize: Int
    public var SrcIp: String
    public var SrcPort: Int
    public var DstIp: String
    public var DstPort: Int
    public var L2t: Int
    public var L2l: Int
    public var L3t: Int
    public var L3o: Int
    public var L3l: Int
    public var L4t: Int
    public var L4o: Int
    public var L4l: Int
    public var L5o: Int
    public var L5l: Int
    public var HexBytes: String
    public var Notes = ""
    public var Anomalies: String

    /// `frame` is nil when storage could not read the bytes (`Notes` says why).
    public init(_ packet: QueryMessage.Packet, frame: PacketReadMessage.StoredFrame?) {
        ConnectionId = packet.flowID ?? 0
        Id = packet.frame
        DTG = FileTime.from(nanoseconds: packet.time)
        DTGText = Timestamp.rfc3339(packet.time)
        Size = packet.capturedLength
        WireSize = packet.wireLength
        SrcIp = packet.source ?? ""
        SrcPort = packet.sourcePort ?? 0
        DstIp = packet.destination ?? ""
        DstPort = packet.destinationPort ?? 0
        let l = packet.layers.count == 10 ? packet.layers : Array(repeating: 0, count: 10)
        (L2t, L2l, L3t, L3o, L3l, L4t, L4o, L4l, L5o, L5l) = (l[0], l[1], l[2], l[3], l[4], l[5], l[6], l[7], l[8], l[9])
        Anomalies = String(packet.anomalies, radix: 16)
        switch frame {
        case .frame(_, _, let bytes)?: HexBytes = hex(bytes)
        case .unreadable(let reason)?:
            HexBytes = ""
            Notes = "frame bytes unreadable: \(reason)"
        case nil:
            HexBytes = ""
            Notes = "frame not in the pcap store"
        }
    }
}

/// AppPacCap PACKETSTREAM. `LastPacketId` is where the next poll continues
/// (`after`): every frame up to it has been returned, and a frame not yet
/// committed is never skipped.
public struct PacketStreamObject: Encodable, Sendable {
    public var Version = 1
    public var CaptureId: UInt64
    public var LastConnectionId: UInt64
    public var LastIpId = 0
    public var LastPacketId: UInt64
    public var LastProcessId = 0
    public var Count: Int
    public var Returned: UInt64
    public var Total: UInt64
    public var Packets: [PacketObject]
    public var ProcessConnections: [String: String] = [:]

    public init(captureID: UInt64, page: QueryMessage.PacketPage, packets: [PacketObject]) {
        CaptureId = captureID
        LastConnectionId = page.lastFlowID
        LastPacketId = page.lastPacketID
        Count = packets.count
        Returned = page.before
        Total = page.total
        Packets = packets
    }
}

/// AppPacCap CONNECTION (no process: `Pid`/`Tid` 0), plus the flow's
/// NetSift fields: Community ID, transport, both directions' totals, end.
public struct FlowObject: Encodable, Sendable {
    public var Version = 1
    public var Id: UInt64
    public var Pid = 0
    public var Tid = 0
    public var DTG: Int64
    public var DTGText: String
    public var SrcIp: String
    public var SrcPort: Int
    public var DstIp: String
    public var DstPort: Int
    public var CaptureId: UInt64
    public var CommunityId: String
    public var IpProtocol: Int
    public var DTGEnd: Int64
    public var DTGEndText: String
    public var FirstPacketId: UInt64
    public var SrcPackets: UInt64
    public var SrcBytes: UInt64
    public var DstPackets: UInt64
    public var DstBytes: UInt64
    public var SrcTcpFlags: Int
    public var DstTcpFlags: Int
    public var Final: Bool
    public var Reason: String
    public var VlanIds: [Int]

    public init(_ flow: QueryMessage.Flow) {
        Id = flow.id
        DTG = FileTime.from(nanoseconds: flow.start)
        DTGText = Timestamp.rfc3339(flow.start)
        SrcIp = flow.source
        SrcPort = flow.sourcePort ?? 0
        DstIp = flow.destination
        DstPort = flow.destinationPort ?? 0
        CaptureId = flow.captureID
        CommunityId = flow.communityID
        IpProtocol = flow.protocolNumber
        DTGEnd = FileTime.from(nanoseconds: flow.end)
        DTGEndText = Timestamp.rfc3339(flow.end)
        FirstPacketId = flow.firstFrame
        SrcPackets = flow.sourcePackets
        SrcBytes = flow.sourceBytes
        DstPackets = flow.destinationPackets
        DstBytes = flow.destinationBytes
        SrcTcpFlags = flow.sourceTCPFlags
        DstTcpFlags = flow.destinationTCPFlags
        Final = flow.isFinal
        Reason = flow.reason
        VlanIds = flow.vlans
    }
}
