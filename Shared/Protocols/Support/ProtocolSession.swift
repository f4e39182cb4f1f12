import Events

/// Which way bytes travel in a flow: from its initiator (the client) or to it.
public enum Direction: Sendable, Hashable {
    case toServer
    case toClient

    public var reversed: Direction { self == .toServer ? .toClient : .toServer }
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
    /// The earliest packet time at which `expire(now:)` reports something,
    /// nil while nothing waits. Exact, not a guess: the engine calls
    /// `expire` only once it is due, and asks again after every step.
    var expiryDeadline: Int64? { get }
}

extension Int64 {
    /// The first packet time more than `timeout` after this one, when what
    /// started now has waited too long; nil past the representable range.
    func deadline(after timeout: Int64) -> Int64? {
        let (end, overflow) = addingReportingOverflow(timeout)
        guard !overflow, end < .max else { return nil }
        return end + 1
    }
}

/// What every protocol's transaction tells the rest of NetSift: its
/// dataset, its event's fields (ECS names, as `netsift dump --json` and the
/// events table's `doc` hold them), its request and response as text (for
/// `send_request` / `send_response`) and its one-line summary (`netsift dump`).
public protocol ProtocolTransaction: Sendable {
    static var dataset: Dataset { get }
    /// Every field name a transaction can have (`keep_null` writes the missing ones as null).
    static var fieldNames: [String] { get }
    var fields: [ProtocolField] { get }
    var requestText: String? { get }
    var responseText: String? { get }
    /// The request, an arrow, the answer, in the spirit of tcpdump's and tshark's one-liners.
    var summary: String { get }
}
