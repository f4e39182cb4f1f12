import Dissection
import Flows

/// One flow as of a report: the totals so far (`isFinal` once it ended).
/// Storage keeps one row per flow and overwrites it with each later report.
/// The tuple is oriented from the initiator (ECS `source`/`destination`).
public struct FlowRecord: Hashable, Sendable {
    /// `FlowReport.id`: deterministic, stable across reports and restarts.
    public var flowKey: UInt64
    public var captureID: UInt64
    public var communityID: String
    public var source: IPAddress
    public var destination: IPAddress
    public var protocolNumber: UInt8
    /// Nil for protocols without ports. For ICMP these are the Community ID
    /// stand-ins (type, counterpart type or code).
    public var sourcePort: UInt16?
    public var destinationPort: UInt16?
    public var vlans: VLANStack
    /// Counters of packets from the initiator (`source`) and from the responder.
    public var fromSource: FlowDirectionStats
    public var fromDestination: FlowDirectionStats
    public var firstFrame: UInt64
    /// First and last packet time, nanoseconds since the Unix epoch.
    public var start: Int64
    public var end: Int64
    public var isFinal: Bool
    public var reason: FlowReport.Reason

    public init(flowKey: UInt64, captureID: UInt64, communityID: String, source: IPAddress, destination: IPAddress,
                protocolNumber: UInt8, sourcePort: UInt16?, destinationPort: UInt16?, vlans: VLANStack = VLANStack(),
                fromSource: FlowDirectionStats, fromDestination: FlowDirectionStats, firstFrame: UInt64,
                start: Int64, end: Int64, isFinal: Bool, reason: FlowReport.Reason) {
        self.flowKey = flowKey
        self.captureID = captureID
        self.communityID = communityID
        self.source = source
        self.destination = destination
        self.protocolNumber = protocolNumber
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.vlans = vlans
        self.fromSource = fromSource
        self.fromDestination = fromDestination
        self.firstFrame = firstFrame
        self.start = start
        self.end = end
        self.isFinal = isFinal
        self.reason = reason
    }

    public init(captureID: UInt64, report: FlowReport) {
        self.init(flowKey: report.id, captureID: captureID, communityID: report.communityID,
                  source: report.tuple.source, destination: report.tuple.destination,
                  protocolNumber: report.tuple.protocolNumber,
                  sourcePort: report.tuple.hasPorts ? report.tuple.sourcePort : nil,
                  destinationPort: report.tuple.hasPorts ? report.tuple.destinationPort : nil,
                  vlans: report.vlans, fromSource: report.source, fromDestination: report.destination,
                  firstFrame: report.firstFrame, start: report.start, end: report.end,
                  isFinal: report.final, reason: report.reason)
    }

    public var packets: UInt64 { fromSource.packets + fromDestination.packets }
}
