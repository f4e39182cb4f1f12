import CZmq
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Waits until any of a thread's sockets has a message to read (zmq_poll).
/// Like its sockets, a poller belongs to one thread.
public struct Poller {
    /// Which of the polled sockets are readable, by their index in `poll`'s list.
    public struct Ready: Sendable {
        fileprivate var flags: [Bool]
        public subscript(index: Int) -> Bool { index < flags.count && flags[index] }
        public var isEmpty: Bool { !flags.contains(true) }
    }

    public init() {}

    /// Returns when at least one socket (or file descriptor: their flags
    /// follow the sockets') is readable or `timeoutMilliseconds` passed
    /// (-1 waits forever). EINTR returns an empty `Ready`.
    /// - Throws: `SocketError` (`.contextTerminated` after shutdown, `.closed`
    ///   for a closed socket).
    public func poll(_ sockets: [Socket], fileDescriptors: [Int32] = [],
                     timeoutMilliseconds: Int) throws(SocketError) -> Ready {
        var items: [zmq_pollitem_t] = []
        items.reserveCapacity(sockets.count)
        for socket in sockets {
            guard let handle = socket.rawHandle else {
                throw SocketError(kind: .closed, operation: "poll", message: "socket is closed")
            }
            items.append(zmq_pollitem_t(socket: handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0))
        }
        for fd in fileDescriptors {
            items.append(zmq_pollitem_t(socket: nil, fd: fd, events: Int16(ZMQ_POLLIN), revents: 0))
        }
        let rc = items.withUnsafeMutableBufferPointer { buffer in
            zmq_poll(buffer.baseAddress, Int32(buffer.count), timeoutMilliseconds)
        }
        if rc < 0 {
            let code = zmq_errno()
            if code == EINTR { return Ready(flags: Array(repeating: false, count: items.count)) }
            throw SocketError.last("poll", code)
        }
        return Ready(flags: items.map { $0.revents & Int16(ZMQ_POLLIN) != 0 })
    }
}
