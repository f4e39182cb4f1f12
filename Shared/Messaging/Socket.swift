import CZmq
import Foundation
import Wire

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One ZeroMQ socket, owned by one thread.
///
/// libzmq sockets are not thread-safe, so `Socket` is deliberately not
/// `Sendable`: create it on the thread that uses it (a dedicated `Thread`
/// for blocking loops — never park the cooperative pool on a blocking
/// receive), and let it die or `close()` it there. The compiler then
/// refuses to hand it to another thread or task.
///
/// A message is a list of frames (`[[UInt8]]`); ZeroMQ delivers all of a
/// message's frames or none. EINTR is retried; EAGAIN becomes `nil` on
/// receive and `.wouldBlock` on send.
public final class Socket {
    public enum Kind: Sendable, CustomStringConvertible {
        case push, pull, pub, sub, router, dealer

        var raw: Int32 {
            switch self {
            case .push: ZMQ_PUSH
            case .pull: ZMQ_PULL
            case .pub: ZMQ_PUB
            case .sub: ZMQ_SUB
            case .router: ZMQ_ROUTER
            case .dealer: ZMQ_DEALER
            }
        }

        public var description: String {
            switch self {
            case .push: "PUSH"
            case .pull: "PULL"
            case .pub: "PUB"
            case .sub: "SUB"
            case .router: "ROUTER"
            case .dealer: "DEALER"
            }
        }
    }

    /// Frames accepted per received message; a peer sending more is refused
    /// with an error rather than growing memory without bound.
    public static let maximumFramesPerMessage = 64

    public let kind: Kind
    // Keeps the context alive (and un-terminated) while this socket is open.
    private let context: MessageContext
    private var handle: UnsafeMutableRawPointer?
    // One zmq_msg_t reused by every receive: its address must not move
    // between init, recv and close.
    private let message = UnsafeMutablePointer<zmq_msg_t>.allocate(capacity: 1)

    /// Creates the socket with linger 1 s (libzmq's default is forever).
    public init(_ context: MessageContext, _ kind: Kind, options: [SocketOption] = []) throws(SocketError) {
        let handle: UnsafeMutableRawPointer
        do {
            handle = try context.makeSocket(kind)
        } catch {
            message.deallocate()
            throw error
        }
        self.kind = kind
        self.context = context
        self.handle = handle
        try set(.linger(.seconds(1)))
        for option in options { try set(option) }
    }

    deinit {
        close()
        message.deallocate()
    }

    /// Closes the socket; unsent messages stay queued for the linger period
    /// (in the background) and are then dropped. Idempotent.
    public func close() {
        guard let handle else { return }
        zmq_close(handle)
        self.handle = nil
    }

    public var isClosed: Bool { handle == nil }

    /// The libzmq handle, for `Poller`; nil once closed.
    var rawHandle: UnsafeMutableRawPointer? { handle }

    private func open(_ operation: String) throws(SocketError) -> UnsafeMutableRawPointer {
        guard let handle else {
            throw SocketError(kind: .closed, operation: operation, message: "socket is closed")
        }
        return handle
    }

    public func set(_ option: SocketOption) throws(SocketError) {
        let handle = try open("set \(option.name)")
        let (name, value) = option.raw
        let rc: Int32
        switch value {
        case .int(var v): rc = zmq_setsockopt(handle, name, &v, MemoryLayout<Int32>.size)
        case .int64(var v): rc = zmq_setsockopt(handle, name, &v, MemoryLayout<Int64>.size)
        case .bytes(let b): rc = b.withUnsafeBytes { zmq_setsockopt(handle, name, $0.baseAddress, $0.count) }
        }
        if rc != 0 { throw SocketError.last("set \(option.name)") }
    }

    /// `tcp://127.0.0.1:*` (or port 0) binds an ephemeral port; read it
    /// back from `lastEndpoint`.
    public func bind(_ endpoint: String) throws(SocketError) {
        let handle = try open("bind")
        if zmq_bind(handle, endpoint) != 0 { throw SocketError.last("bind") }
    }

    /// Connects in the background: a peer that is not there yet is retried
    /// every reconnect interval.
    public func connect(_ endpoint: String) throws(SocketError) {
        let handle = try open("connect")
        if zmq_connect(handle, endpoint) != 0 { throw SocketError.last("connect") }
    }

    public func disconnect(_ endpoint: String) throws(SocketError) {
        let handle = try open("disconnect")
        if zmq_disconnect(handle, endpoint) != 0 { throw SocketError.last("disconnect") }
    }

    public func unbind(_ endpoint: String) throws(SocketError) {
        let handle = try open("unbind")
        if zmq_unbind(handle, endpoint) != 0 { throw SocketError.last("unbind") }
    }

    /// The endpoint of the last bind or connect, with a wildcard port resolved.
    public func lastEndpoint() throws(SocketError) -> String {
        let handle = try open("last endpoint")
        var buffer = [CChar](repeating: 0, count: 1024)
        var size = buffer.count
        if zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buffer, &size) != 0 { throw SocketError.last("last endpoint") }
        let bytes = buffer.prefix(min(size, buffer.count)).prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Sends one message of `frames` (at least one). Blocks at the high-water
    /// mark unless `blocking` is false (or a send timeout expires); then
    /// throws `.wouldBlock` and nothing was sent.
    public func send<Frame: ContiguousBytes>(_ frames: [Frame], blocking: Bool = true) throws(SocketError) {
        let handle = try open("send")
        guard !frames.isEmpty else {
            throw SocketError(kind: .other, operation: "send", message: "a message needs at least one frame")
        }
        let wait = blocking ? 0 : ZMQ_DONTWAIT
        for (i, frame) in frames.enumerated() {
            let flags = wait | (i < frames.count - 1 ? ZMQ_SNDMORE : 0)
            // Once the first frame is queued the rest cannot block: libzmq
            // counts whole messages against the high-water mark.
            if let error = Self.sendFrame(handle, frame, flags: flags) { throw error }
        }
    }

    private static func sendFrame(_ handle: UnsafeMutableRawPointer, _ frame: some ContiguousBytes, flags: Int32) -> SocketError? {
        frame.withUnsafeBytes { bytes in
            // An empty frame still needs a valid pointer.
            var empty: UInt8 = 0
            while true {
                let rc = bytes.count == 0
                    ? zmq_send(handle, &empty, 0, flags)
                    : zmq_send(handle, bytes.baseAddress, bytes.count, flags)
                if rc >= 0 { return nil }
                let code = zmq_errno()
                if code != EINTR { return SocketError.last("send", code) }
            }
        }
    }

    /// Receives one whole message. Returns nil when nothing arrived within
    /// the receive timeout, or at once when `blocking` is false and nothing
    /// is waiting.
    public func receive(blocking: Bool = true) throws(SocketError) -> [[UInt8]]? {
        let handle = try open("receive")
        var frames: [[UInt8]] = []
        zmq_msg_init(message)
        defer { zmq_msg_close(message) }
        while true {
            // The remaining frames of a message are already here: never wait for them.
            let flags = blocking && frames.isEmpty ? 0 : ZMQ_DONTWAIT
            if zmq_msg_recv(message, handle, flags) < 0 {
                let code = zmq_errno()
                if code == EINTR { continue }
                if code == EAGAIN && frames.isEmpty { return nil }
                throw SocketError.last("receive", code)
            }
            let size = zmq_msg_size(message)
            if let data = zmq_msg_data(message), size > 0 {
                frames.append([UInt8](UnsafeRawBufferPointer(start: data, count: size)))
            } else {
                frames.append([])
            }
            if zmq_msg_more(message) == 0 { return frames }
            if frames.count >= Self.maximumFramesPerMessage {
                try discardRest(handle)
                throw SocketError(kind: .other, operation: "receive",
                                  message: "message has more than \(Self.maximumFramesPerMessage) frames; discarded")
            }
        }
    }

    private func discardRest(_ handle: UnsafeMutableRawPointer) throws(SocketError) {
        while zmq_msg_more(message) != 0 {
            if zmq_msg_recv(message, handle, ZMQ_DONTWAIT) < 0 {
                let code = zmq_errno()
                if code != EINTR { throw SocketError.last("receive", code) }
            }
        }
    }
}

// Sockets belong to one thread; this forbids retroactive Sendable conformances.
@available(*, unavailable)
extension Socket: Sendable {}
