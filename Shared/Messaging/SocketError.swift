import CZmq
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A ZeroMQ call that failed: what was attempted, the kind of failure, and
/// libzmq's errno and text.
public struct SocketError: Error, Sendable, CustomStringConvertible {
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case wouldBlock, contextTerminated, closed, invalidEndpoint, addressInUse
            case unsupported, invalidState, other
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// EAGAIN: a send hit the high-water mark (non-blocking or send
        /// timeout) — nothing was queued or dropped; try again later.
        public static let wouldBlock = Kind(.wouldBlock)
        /// ETERM: the context was shut down; close the socket.
        public static let contextTerminated = Kind(.contextTerminated)
        /// The socket was already closed by this wrapper.
        public static let closed = Kind(.closed)
        /// EINVAL, EPROTONOSUPPORT, ENOCOMPATPROTO on bind or connect.
        public static let invalidEndpoint = Kind(.invalidEndpoint)
        /// EADDRINUSE, EADDRNOTAVAIL on bind.
        public static let addressInUse = Kind(.addressInUse)
        /// An option or operation the socket kind does not support (ENOTSUP).
        public static let unsupported = Kind(.unsupported)
        /// EFSM: e.g. a reply socket used out of turn.
        public static let invalidState = Kind(.invalidState)
        public static let other = Kind(.other)

        public var description: String { "\(base)" }

        static func classify(_ code: Int32, operation: String) -> Kind {
            switch code {
            case EAGAIN: .wouldBlock
            case netsift_zmq_eterm(): .contextTerminated
            case ENOTSOCK: .closed
            case EADDRINUSE, EADDRNOTAVAIL: .addressInUse
            case EINVAL, EPROTONOSUPPORT, netsift_zmq_enocompatproto(), ENOENT, ENODEV:
                operation == "bind" || operation == "connect" ? .invalidEndpoint : .other
            case ENOTSUP: .unsupported
            case netsift_zmq_efsm(): .invalidState
            default: .other
            }
        }
    }

    public let kind: Kind
    /// The call that failed: "bind", "connect", "send", "receive", "set linger", ...
    public let operation: String
    /// errno as libzmq reported it (0 for failures found by this wrapper).
    public let code: Int32
    public let message: String

    init(kind: Kind, operation: String, code: Int32 = 0, message: String) {
        self.kind = kind
        self.operation = operation
        self.code = code
        self.message = message
    }

    /// The error for the call that just failed, from `zmq_errno()`.
    static func last(_ operation: String, _ code: Int32 = zmq_errno()) -> SocketError {
        let text = zmq_strerror(code).map { String(cString: $0) } ?? "errno \(code)"
        return SocketError(kind: .classify(code, operation: operation), operation: operation, code: code, message: text)
    }

    public var description: String { "\(operation): \(message) (\(kind))" }
}
