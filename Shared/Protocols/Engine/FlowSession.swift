import Dissection

/// What a byte-parsing session is told.
enum SessionStep {
    case data(UnsafeRawBufferPointer)
    case gap(Int)
    /// The flow ended; the session is spent afterwards.
    case finish
}

/// One flow's module session, whichever module it is. Sessions are large
/// (HTTP's and TLS's hold a transaction in the making), so a flow holds its
/// session by reference and steps change it in place: nothing is copied
/// or moved per step.
protocol FlowSession: AnyObject {
    func step(_ step: SessionStep, direction: Direction, time: Int64, origin: TransactionOrigin,
              into out: inout [ApplicationTransaction])
    /// Packet time reached `now`: what waited past the transaction timeout.
    func expire(now: Int64, origin: TransactionOrigin, into out: inout [ApplicationTransaction])
    /// An ICMP message; other sessions ignore it.
    func icmp(_ info: ICMPInfo, payload: UnsafeRawBufferPointer, direction: Direction, time: Int64, frame: UInt64,
              origin: TransactionOrigin, into out: inout [ApplicationTransaction])
}

extension FlowSession {
    func icmp(_ info: ICMPInfo, payload: UnsafeRawBufferPointer, direction: Direction, time: Int64, frame: UInt64,
              origin: TransactionOrigin, into out: inout [ApplicationTransaction]) {}
}

extension Array where Element == ApplicationTransaction {
    /// Most steps complete nothing: the context is built only for those that do.
    mutating func append<T: ProtocolTransaction>(_ done: [T], _ origin: TransactionOrigin,
                                                 adjust: (T, inout TransactionContext) -> Void = { _, _ in }) {
        guard !done.isEmpty else { return }
        let context = origin.context
        for transaction in done {
            var own = context
            adjust(transaction, &own)
            append(ApplicationTransaction(transaction, own))
        }
    }
}

/// The session of a module that parses datagrams or reassembled TCP bytes.
final class ModuleSession<Session: ProtocolSession>: FlowSession where Session.Transaction: ProtocolTransaction {
    private var session: Session

    init(_ session: Session) {
        self.session = session
    }

    func step(_ step: SessionStep, direction: Direction, time: Int64, origin: TransactionOrigin,
              into out: inout [ApplicationTransaction]) {
        switch step {
        case .data(let bytes): out.append(session.receive(bytes, direction: direction, time: time), origin)
        case .gap(let length): out.append(session.gap(length, direction: direction, time: time), origin)
        case .finish: out.append(session.finish(time: time), origin)
        }
    }

    func expire(now: Int64, origin: TransactionOrigin, into out: inout [ApplicationTransaction]) {
        out.append(session.expire(now: now), origin)
    }
}
