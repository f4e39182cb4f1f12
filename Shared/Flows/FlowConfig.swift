/// Packetbeat's flow options plus the table bound. Times in nanoseconds of
/// packet time (file captures) or wall time (live).
public struct FlowConfig: Sendable {
    public static let second: Int64 = 1_000_000_000

    public var enabled = true
    /// A flow with no packet for this long ends (Packetbeat `timeout`, 30 s).
    public var timeout: Int64 = 30 * second
    /// Every active flow is reported at each multiple of this (Packetbeat
    /// `period`, 10 s); nil disables periodic reports (`period: -1`).
    public var period: Int64? = 10 * second
    /// Flows held at once; past it the least recently seen are evicted
    /// (reported as final and counted). Bounds memory under scans and floods.
    public var maxFlows = 262_144
    public var communityID = CommunityID()

    public init() {}
}
