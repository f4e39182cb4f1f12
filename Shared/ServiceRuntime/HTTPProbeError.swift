/// Why `HTTPProbe.get` got no HTTP response.
public struct HTTPProbeError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Hashable {
        /// The host name did not resolve.
        case resolve
        /// Nothing accepted the connection (service not running, wrong port).
        case connect
        /// No complete answer within the timeout.
        case timeout
        /// The connection broke while sending or receiving.
        case io
        /// The peer answered with something that is not an HTTP/1.x response.
        case malformedResponse
    }

    public let kind: Kind
    public let description: String

    init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}
