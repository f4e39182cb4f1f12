import NIOCore

/// Closes a connection whose first request head has not fully arrived
/// `timeout` after it opened (a client sending half a header holds a
/// connection and its buffers for nothing). Sits before the HTTP decoder and
/// watches the raw bytes for the blank line ending the head; then it leaves
/// the pipeline. Waits between later requests on the connection are bounded
/// by the server's idle timeout.
final class HeaderTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let timeout: TimeAmount
    private var head = RequestHeadEnd()
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let complete = head.scan(unwrapInboundIn(data).readableBytesView)
        context.fireChannelRead(data)
        if complete { context.pipeline.syncOperations.removeHandler(context: context, promise: nil) }
    }

    private func arm(_ context: ChannelHandlerContext) {
        guard deadline == nil else { return }
        let loop = context.eventLoop.assumeIsolated()
        deadline = loop.scheduleTask(in: timeout) { context.close(promise: nil) }
    }
}

/// Finds the end of an HTTP/1 request head in bytes fed piece by piece: the
/// first empty line (CRLF CRLF, or bare LFs as the decoder also accepts).
struct RequestHeadEnd: Sendable {
    private var newlines = 0
    private(set) var isComplete = false

    /// Feeds the next bytes; true once the head has ended.
    mutating func scan(_ bytes: some Sequence<UInt8>) -> Bool {
        guard !isComplete else { return true }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\n"):
                newlines += 1
                if newlines == 2 {
                    isComplete = true
                    return true
                }
            case UInt8(ascii: "\r"): continue
            default: newlines = 0
            }
        }
        return false
    }
}
