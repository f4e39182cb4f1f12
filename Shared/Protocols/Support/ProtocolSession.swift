/// Which way bytes travel in a flow: from its initiator (the client) or to it.
public enum Direction: Sendable, Hashable {
    case toServer
    case toClient

    public var reversed: Direction { self == .toServer ? .toClient : .toServer }
}

/// The shape every protocol module has (one folder each under
/// Shared/Protocols): how it is recognised, and a per-flow session that turns
/// datagrams or reassembled TCP bytes into transactions.
public protocol ProtocolModule {
    associatedtype Session: ProtocolSession
    /// `event.dataset` and the module's configuration key: `dns`, `http`, `tls`, `dhcp`.
    static var name: String { get }
    /// Ports the module claims by default (Packetbeat's `ports`).
    static var defaultPorts: Set<UInt16> { get }
    /// Whether the first payload of a flow looks like this protocol, for
    /// flows on other ports ("where ports lie").
    static func sniff(_ payload: UnsafeRawBufferPointer, direction: Direction) -> Bool
    static func makeSession() -> Session
}

/// One flow's protocol state. UDP payloads arrive one datagram per call;
/// TCP payloads arrive reassembled, in order, in chunks of any size per
/// direction, with gaps reported. Memory stays bounded whatever arrives.
public protocol ProtocolSession {
    associatedtype Transaction: Sendable
    /// A datagram, or the next contiguous bytes of one direction of a stream.
    mutating func receive(_ bytes: UnsafeRawBufferPointer, direction: Direction, time: Int64) -> [Transaction]
    /// `length` bytes of a direction are missing (a TCP gap): resynchronise or give up on the flow.
    mutating func gap(_ length: Int, direction: Direction, time: Int64) -> [Transaction]
    /// The flow ended (FIN/RST, timeout, end of capture): what is still pending, e.g. unanswered requests.
    mutating func finish(time: Int64) -> [Transaction]
    /// Packet time reached `now` (on this flow or another): requests that
    /// waited longer than the transaction timeout, reported unanswered and
    /// no longer matched to a response.
    mutating func expire(now: Int64) -> [Transaction]
}
