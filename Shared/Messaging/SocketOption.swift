import CZmq
import Wire

/// A socket option. Set options before `bind`/`connect`: most apply only
/// to connections made afterwards.
public enum SocketOption: Sendable {
    /// Messages queued for sending per peer before a send blocks (PUSH,
    /// DEALER, ROUTER) or drops (PUB). 0 means no limit. libzmq default 1000.
    case sendHighWaterMark(Int)
    /// Messages queued on receipt per peer. 0 means no limit.
    case receiveHighWaterMark(Int)
    /// How long `close` keeps unsent messages; nil waits forever (libzmq's
    /// default — `Socket` sets 1 s at creation instead, so shutdown cannot
    /// hang on an unreachable peer). Not a delivery guarantee: libzmq can
    /// drop what is queued at close (#3774, #4660); what must arrive is
    /// kept by the sender until acknowledged.
    case linger(Duration?)
    /// Delay before reconnecting a dropped or refused connection.
    case reconnectInterval(Duration)
    /// Upper bound of the exponential reconnect back-off; nil disables it.
    case reconnectIntervalMax(Duration?)
    /// How long a blocking `receive` waits before returning nil; nil waits forever.
    case receiveTimeout(Duration?)
    /// How long a blocking `send` waits at the high-water mark before
    /// throwing `.wouldBlock`; nil waits forever.
    case sendTimeout(Duration?)
    /// SUB: accept messages whose first frame starts with these bytes
    /// (empty: everything). With `Envelope`s the first frame is the type name.
    case subscribe([UInt8])
    case unsubscribe([UInt8])
    /// DEALER, ROUTER: this socket's identity as its ROUTER peers see it (1–255 bytes).
    case routingID([UInt8])
    /// Peers sending a single frame larger than this are disconnected; nil: no limit.
    case maximumMessageSize(Int?)
    /// PUSH, DEALER: queue messages only on completed connections, so a send
    /// with no live peer blocks (or fails with `.wouldBlock`) instead of
    /// queueing for a peer that may never come.
    case immediate(Bool)

    var name: String {
        switch self {
        case .sendHighWaterMark: "send high-water mark"
        case .receiveHighWaterMark: "receive high-water mark"
        case .linger: "linger"
        case .reconnectInterval: "reconnect interval"
        case .reconnectIntervalMax: "reconnect interval max"
        case .receiveTimeout: "receive timeout"
        case .sendTimeout: "send timeout"
        case .subscribe: "subscribe"
        case .unsubscribe: "unsubscribe"
        case .routingID: "routing id"
        case .maximumMessageSize: "maximum message size"
        case .immediate: "immediate"
        }
    }

    /// The libzmq option number and its value: an int, an int64 or bytes.
    var raw: (option: Int32, value: RawValue) {
        switch self {
        case .sendHighWaterMark(let n): (ZMQ_SNDHWM, .int(Int32(clamping: max(n, 0))))
        case .receiveHighWaterMark(let n): (ZMQ_RCVHWM, .int(Int32(clamping: max(n, 0))))
        case .linger(let d): (ZMQ_LINGER, .int(Self.milliseconds(d)))
        case .reconnectInterval(let d): (ZMQ_RECONNECT_IVL, .int(Self.milliseconds(d)))
        case .reconnectIntervalMax(let d): (ZMQ_RECONNECT_IVL_MAX, .int(d.map { Self.milliseconds($0) } ?? 0))
        case .receiveTimeout(let d): (ZMQ_RCVTIMEO, .int(Self.milliseconds(d)))
        case .sendTimeout(let d): (ZMQ_SNDTIMEO, .int(Self.milliseconds(d)))
        case .subscribe(let b): (ZMQ_SUBSCRIBE, .bytes(b))
        case .unsubscribe(let b): (ZMQ_UNSUBSCRIBE, .bytes(b))
        case .routingID(let b): (ZMQ_ROUTING_ID, .bytes(b))
        case .maximumMessageSize(let n): (ZMQ_MAXMSGSIZE, .int64(n.map { Int64(max($0, 0)) } ?? -1))
        case .immediate(let on): (ZMQ_IMMEDIATE, .int(on ? 1 : 0))
        }
    }

    enum RawValue {
        case int(Int32)
        case int64(Int64)
        case bytes([UInt8])
    }

    /// Whole milliseconds, rounded up so a tiny positive duration is not
    /// "don't wait"; nil is libzmq's -1 (forever).
    static func milliseconds(_ duration: Duration?) -> Int32 {
        guard let duration else { return -1 }
        let (seconds, attoseconds) = duration.components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return 0 }
        if seconds >= Int64(Int32.max / 1000) { return Int32.max }
        let roundedUp = (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: seconds * 1000 + roundedUp)
    }
}
