import Dissection

/// Counters of one direction of a flow.
public struct FlowDirectionStats: Sendable, Hashable {
    public var packets: UInt64 = 0
    public var capturedBytes: UInt64 = 0
    public var wireBytes: UInt64 = 0
    public var tcpFlags: UInt16 = 0

    public init(packets: UInt64 = 0, capturedBytes: UInt64 = 0, wireBytes: UInt64 = 0, tcpFlags: UInt16 = 0) {
        self.packets = packets
        self.capturedBytes = capturedBytes
        self.wireBytes = wireBytes
        self.tcpFlags = tcpFlags
    }
}

/// One flow's state as of a report. `tuple` is oriented from the initiator
/// (the sender of the first packet seen): ECS `source` and `destination`.
public struct FlowReport: Sendable {
    public enum Reason: String, Sendable {
        case period, timeout, evicted, end
    }

    public var id: UInt64
    public var communityID: String
    public var tuple: FlowTuple
    public var vlans: VLANStack
    public var firstFrame: UInt64
    public var start: Int64
    public var end: Int64
    public var source: FlowDirectionStats
    public var destination: FlowDirectionStats
    public var final: Bool
    public var reason: Reason
}
