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
///
/// The steps are closures made where the module's session type is known
/// (`ProtocolModule.init`, specialised per protocol), so each packet runs
/// the protocol's own code, never code generic over `ProtocolSession`.
final class FlowSession {
    typealias Step = (SessionStep, Direction, Int64, TransactionOrigin, inout [ApplicationTransaction]) -> Void
    typealias Expire = (Int64, TransactionOrigin, inout [ApplicationTransaction]) -> Void
    typealias ICMP = (ICMPInfo, UnsafeRawBufferPointer, Direction, Int64, UInt64, TransactionOrigin,
                      inout [ApplicationTransaction]) -> Void

    private let stepBody: Step
    private let expireBody: Expire
    private let deadlineBody: () -> Int64?
    private let icmpBody: ICMP?

    init(step: @escaping Step, expire: @escaping Expire, deadline: @escaping () -> Int64?, icmp: ICMP? = nil) {
        stepBody = step
        expireBody = expire
        deadlineBody = deadline
        icmpBody = icmp
    }

    /// The session of a module that parses datagrams or reassembled TCP bytes.
    static func parsing<Session: ProtocolSession>(_ session: Session) -> FlowSession
    where Session.Transaction: ProtocolTransaction {
        let box = SessionBox(session)
        return FlowSession(step: { step, direction, time, origin, out in
            switch step {
            case .data(let bytes): out.append(box.session.receive(bytes, direction: direction, time: time), origin)
            case .gap(let length): out.append(box.session.gap(length, direction: direction, time: time), origin)
            case .finish: out.append(box.session.finish(time: time), origin)
            }
        }, expire: { now, origin, out in
            out.append(box.session.expire(now: now), origin)
        }, deadline: { box.session.expiryDeadline })
    }

    func step(_ step: SessionStep, direction: Direction, time: Int64, origin: TransactionOrigin,
              into out: inout [ApplicationTransaction]) {
        stepBody(step, direction, time, origin, &out)
    }

    /// Packet time reached `now`: what waited past the transaction timeout.
    func expire(now: Int64, origin: TransactionOrigin, into out: inout [ApplicationTransaction]) {
        expireBody(now, origin, &out)
    }

    /// When `expire` will next report something (the session's `expiryDeadline`).
    var expiryDeadline: Int64? { deadlineBody() }

    /// An ICMP message; sessions of other modules ignore it.
    func icmp(_ info: ICMPInfo, payload: UnsafeRawBufferPointer, direction: Direction, time: Int64, frame: UInt64,
              origin: TransactionOrigin, into out: inout [ApplicationTransaction]) {
        icmpBody?(info, payload, direction, time, frame, origin, &out)
    }
}

/// Where a flow's session lives: the step closures share it.
final class SessionBox<Session> {
    var session: Session

    init(_ session: Session) {
        self.session = session
    }
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
