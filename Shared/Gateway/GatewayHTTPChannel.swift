import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1 channel with a header timeout in front of it
/// (`HeaderTimeoutHandler`) and its idle timeout set: what keeps clients that
/// send half a request, or nothing, from holding connections.
public struct GatewayHTTPChannel: ServerChildChannel {
    public typealias Value = HTTP1Channel.Value

    let http1: HTTP1Channel
    let headerTimeout: TimeAmount

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(HeaderTimeoutHandler(timeout: headerTimeout))
        }.flatMap { http1.setup(channel: channel, logger: logger) }
    }

    public func handle(value: Value, logger: Logger) async {
        await http1.handle(value: value, logger: logger)
    }

    /// The server the gateway runs: `.gateway(timeouts: …)` in `Application(router:server:)`.
    public static func builder(_ timeouts: ConnectionTimeouts) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            GatewayHTTPChannel(http1: HTTP1Channel(responder: responder, configuration: .init(idleTimeout: timeouts.idle)),
                               headerTimeout: timeouts.header)
        }
    }
}

/// How long a connection may take to send its first request head, and stay
/// idle (between requests, or mid-request body) before it is closed.
public struct ConnectionTimeouts: Sendable, Equatable {
    /// `header_timeout_seconds` (10): a real client sends its head at once; half a head is a held connection.
    public var header: TimeAmount
    /// `idle_timeout_seconds` (60): keep-alive is worth a minute; longer only holds sockets.
    public var idle: TimeAmount

    public init(header: TimeAmount, idle: TimeAmount) {
        self.header = header
        self.idle = idle
    }
}
