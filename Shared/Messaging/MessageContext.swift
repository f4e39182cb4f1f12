import CZmq
import Foundation

/// A ZeroMQ context: the one thread-safe ZeroMQ object. Share it freely;
/// create each `Socket` on the thread that will use it.
///
/// Shutting down: `shutdown()` makes every blocking call on its sockets
/// return `.contextTerminated` (callable from any thread, e.g. a SIGTERM
/// handler task); each owner then closes its socket; `terminate()` waits
/// until all sockets are closed and their linger has passed. Sockets keep
/// their context alive, so the implicit terminate in `deinit` never waits
/// for an open socket.
public final class MessageContext: @unchecked Sendable {
    // @unchecked: zmq contexts are thread-safe; `terminated` is guarded by `lock`.
    let handle: UnsafeMutableRawPointer
    private let lock = NSLock()
    private var terminated = false

    /// - Parameter ioThreads: libzmq's background I/O threads (ZMQ_IO_THREADS);
    ///   one moves about a gigabyte a second.
    public init(ioThreads: Int = 1) throws(SocketError) {
        guard let handle = zmq_ctx_new() else { throw SocketError.last("create context") }
        if zmq_ctx_set(handle, ZMQ_IO_THREADS, Int32(clamping: max(ioThreads, 1))) != 0 {
            let error = SocketError.last("set io threads")
            zmq_ctx_term(handle)
            throw error
        }
        self.handle = handle
    }

    /// A new libzmq socket; refused once `terminate()` has freed the context.
    func makeSocket(_ kind: Socket.Kind) throws(SocketError) -> UnsafeMutableRawPointer {
        lock.lock()
        defer { lock.unlock() }
        guard !terminated else {
            throw SocketError(kind: .contextTerminated, operation: "create \(kind) socket", message: "context terminated")
        }
        guard let socket = zmq_socket(handle, kind.raw) else { throw SocketError.last("create \(kind) socket") }
        return socket
    }

    /// Makes blocking calls on this context's sockets fail with
    /// `.contextTerminated` and refuses new sockets. Does not wait.
    public func shutdown() {
        lock.withLock {
            if !terminated { _ = zmq_ctx_shutdown(handle) }
        }
    }

    /// Shuts down, then waits until every socket of this context is closed
    /// and has sent what its linger allows. Idempotent.
    public func terminate() {
        lock.withLock {
            guard !terminated else { return }
            while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
            terminated = true
        }
    }

    deinit { terminate() }
}
