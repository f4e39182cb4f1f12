/// The DNS session's settings: Packetbeat's `transaction_timeout` (the
/// engine sets it from `ProtocolOptions`) and NetSift's bounds.
public struct DNSConfig: Sendable, Hashable {
    /// Packetbeat's `transaction_timeout` (10 s), in packet time (ns): a
    /// query older than this is reported unanswered and no longer matched.
    public var transactionTimeout: Int64 = 10_000_000_000
    public var limits = DNSLimits()
    /// Queries waiting for a response per flow; past it the oldest is reported unanswered.
    public var maxPendingQueries = 1024

    public init() {}
}
