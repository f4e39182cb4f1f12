/// The DNS module's options: Packetbeat's common protocol options with its
/// DNS defaults, plus NetSift's limits.
public struct DNSConfig: Sendable, Hashable {
    public var enabled = true
    /// Packetbeat's default `ports` for dns.
    public var ports: Set<UInt16> = [53]
    public var sendRequest = false
    public var sendResponse = false
    /// Packetbeat's `transaction_timeout` (10 s), in packet time (ns): a
    /// query older than this is reported unanswered and no longer matched.
    public var transactionTimeout: Int64 = 10_000_000_000
    public var tags: [String] = []
    public var keepNull = false
    public var limits = DNSLimits()
    /// Queries waiting for a response per flow; past it the oldest is reported unanswered.
    public var maxPendingQueries = 1024

    public init() {}
}
