/// The metrics endpoint could not start.
public struct MetricsEndpointError: Error, CustomStringConvertible, Sendable {
    public let host: String
    public let port: Int
    public let reason: String

    public var description: String {
        "metrics endpoint cannot listen on \(host):\(port): \(reason)"
    }
}
