import Dissection

/// Per-capture totals, kept as frames go by.
public struct DecodeStats: Sendable, Hashable {
    public var frames: UInt64 = 0
    public var capturedBytes: UInt64 = 0
    public var wireBytes: UInt64 = 0
    public var protocols = ProtocolCounts()
    public var ipv4: UInt64 { protocols.ipv4 }
    public var ipv6: UInt64 { protocols.ipv6 }
    public var tcp: UInt64 { protocols.tcp }
    public var udp: UInt64 { protocols.udp }
    public var icmp: UInt64 { protocols.icmp }
    /// Frames that carried at least one anomaly.
    public var framesWithAnomalies: UInt64 = 0
    /// Occurrences per anomaly, indexed by `Anomaly.rawValue`.
    public var anomalies = [UInt64](repeating: 0, count: Anomaly.allCases.count)
    public var fragmentsReassembled: UInt64 = 0
    public var fragmentsAbandoned: UInt64 = 0

    public init() {}

    public func count(of anomaly: Anomaly) -> UInt64 { anomalies[Int(anomaly.rawValue)] }

    mutating func record(_ packet: DecodedPacket) {
        frames += 1
        capturedBytes += UInt64(packet.capturedLength)
        wireBytes += UInt64(packet.wireLength)
        protocols.count(ipVersion: packet.ipVersion, transport: packet.l4Type)
        record(packet.anomalies, frame: true)
    }

    mutating func record(_ set: AnomalySet, frame: Bool) {
        guard !set.isEmpty else { return }
        if frame { framesWithAnomalies += 1 }
        for a in set { anomalies[Int(a.rawValue)] += 1 }
    }
}
