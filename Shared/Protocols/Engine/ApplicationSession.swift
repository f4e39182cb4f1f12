import Dissection

/// One flow's module session, whichever module it is. Sessions are large
/// (HTTP's and TLS's hold a transaction in the making), so each lives in a
/// box that steps change in place: nothing is copied or moved per step. A
/// session belongs to one flow; a copy of the enum shares its box.
enum ApplicationSession {
    case none
    case dns(SessionBox<DNSSession>)
    case http(SessionBox<HTTPSession>)
    case tls(SessionBox<TLSSession>)
    case dhcp(SessionBox<DHCPSession>)
    case icmp(SessionBox<ICMPSession>)

    /// What a byte-parsing session is told.
    enum Step {
        case data(UnsafeRawBufferPointer)
        case gap(Int)
        /// The flow ended; the session is spent afterwards.
        case finish
    }

    var isNone: Bool { if case .none = self { true } else { false } }

    mutating func step(_ step: Step, direction: Direction, time: Int64, origin: TransactionOrigin,
                       into out: inout [ApplicationTransaction]) {
        switch self {
        case .none: return
        case .icmp(let box):
            guard case .finish = step else { return }
            self = .none
            Self.append(box.session.finish(), origin, to: &out) { .icmp($0, Self.icmpContext($0, $1)) }
            return
        case .dns(let box): Self.append(Self.apply(step, &box.session, direction, time), origin, to: &out) { .dns($0, $1) }
        case .http(let box): Self.append(Self.apply(step, &box.session, direction, time), origin, to: &out) { .http($0, $1) }
        case .tls(let box): Self.append(Self.apply(step, &box.session, direction, time), origin, to: &out) { .tls($0, $1) }
        case .dhcp(let box): Self.append(Self.apply(step, &box.session, direction, time), origin, to: &out) { .dhcp($0, $1) }
        }
        if case .finish = step { self = .none }
    }

    /// Most steps complete nothing: the context is built only for those that do.
    private static func append<T>(_ done: [T], _ origin: TransactionOrigin, to out: inout [ApplicationTransaction],
                                  _ wrap: (T, TransactionContext) -> ApplicationTransaction) {
        guard !done.isEmpty else { return }
        let context = origin.context
        for transaction in done { out.append(wrap(transaction, context)) }
    }

    private static func apply<S: ProtocolSession>(_ step: Step, _ session: inout S, _ direction: Direction,
                                                  _ time: Int64) -> [S.Transaction] {
        switch step {
        case .data(let bytes): session.receive(bytes, direction: direction, time: time)
        case .gap(let length): session.gap(length, direction: direction, time: time)
        case .finish: session.finish(time: time)
        }
    }

    /// Packet time reached `now`: what waited past the transaction timeout.
    func expire(now: Int64, origin: TransactionOrigin, into out: inout [ApplicationTransaction]) {
        switch self {
        case .none: return
        case .dns(let box): Self.append(box.session.expire(now: now), origin, to: &out) { .dns($0, $1) }
        case .http(let box): Self.append(box.session.expire(now: now), origin, to: &out) { .http($0, $1) }
        case .tls(let box): Self.append(box.session.expire(now: now), origin, to: &out) { .tls($0, $1) }
        case .dhcp(let box): Self.append(box.session.expire(now: now), origin, to: &out) { .dhcp($0, $1) }
        case .icmp(let box): Self.append(box.session.expire(now: now), origin, to: &out) { .icmp($0, Self.icmpContext($0, $1)) }
        }
    }

    mutating func icmp(_ info: ICMPInfo, payload: UnsafeRawBufferPointer, direction: Direction, time: Int64,
                       frame: UInt64, origin: TransactionOrigin, into out: inout [ApplicationTransaction]) {
        guard case .icmp(let box) = self else { return }
        Self.append(box.session.receive(info, payload: payload, direction: direction, time: time, frame: frame),
                    origin, to: &out) { .icmp($0, Self.icmpContext($0, $1)) }
    }

    /// ICMP transactions know their frames exactly.
    private static func icmpContext(_ t: ICMPTransaction, _ context: TransactionContext) -> TransactionContext {
        var c = context
        c.frames = [t.request?.frame, t.response?.frame].compactMap { $0 }
        return c
    }
}

/// Where a flow keeps its session (see `ApplicationSession`).
final class SessionBox<Session> {
    var session: Session

    init(_ session: Session) {
        self.session = session
    }
}
