import Dissection

/// One flow's module session, whichever module it is. Each step moves the
/// session out of the enum while it works, so its buffers are never copied.
enum ApplicationSession {
    case none
    case dns(DNSSession)
    case http(HTTPSession)
    case tls(TLSSession)
    case dhcp(DHCPSession)
    case icmp(ICMPSession)

    /// What a byte-parsing session is told.
    enum Step {
        case data(UnsafeRawBufferPointer)
        case gap(Int)
        /// The flow ended; the session is spent afterwards.
        case finish
    }

    var isNone: Bool { if case .none = self { true } else { false } }

    mutating func step(_ step: Step, direction: Direction, time: Int64, context: TransactionContext,
                       into out: inout [ApplicationTransaction]) {
        switch self {
        case .none: return
        case .icmp(var s):
            guard case .finish = step else { return }
            self = .none
            out += s.finish().map { .icmp($0, Self.icmpContext($0, context)) }
            return
        case .dns(var s): self = .none; out += Self.apply(step, &s, direction, time).map { .dns($0, context) }; self = .dns(s)
        case .http(var s): self = .none; out += Self.apply(step, &s, direction, time).map { .http($0, context) }; self = .http(s)
        case .tls(var s): self = .none; out += Self.apply(step, &s, direction, time).map { .tls($0, context) }; self = .tls(s)
        case .dhcp(var s): self = .none; out += Self.apply(step, &s, direction, time).map { .dhcp($0, context) }; self = .dhcp(s)
        }
        if case .finish = step { self = .none }
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
    /// `context` is built only when something expired.
    mutating func expire(now: Int64, context: () -> TransactionContext, into out: inout [ApplicationTransaction]) {
        switch self {
        case .none: return
        case .dns(var s): self = .none; Self.add(s.expire(now: now), context, into: &out) { .dns($0, $1) }; self = .dns(s)
        case .http(var s): self = .none; Self.add(s.expire(now: now), context, into: &out) { .http($0, $1) }; self = .http(s)
        case .tls(var s): self = .none; Self.add(s.expire(now: now), context, into: &out) { .tls($0, $1) }; self = .tls(s)
        case .dhcp(var s): self = .none; Self.add(s.expire(now: now), context, into: &out) { .dhcp($0, $1) }; self = .dhcp(s)
        case .icmp(var s):
            self = .none
            Self.add(s.expire(now: now), context, into: &out) { .icmp($0, Self.icmpContext($0, $1)) }
            self = .icmp(s)
        }
    }

    private static func add<T>(_ done: [T], _ context: () -> TransactionContext, into out: inout [ApplicationTransaction],
                               _ wrap: (T, TransactionContext) -> ApplicationTransaction) {
        guard !done.isEmpty else { return }
        let c = context()
        out += done.map { wrap($0, c) }
    }

    mutating func icmp(_ info: ICMPInfo, payload: UnsafeRawBufferPointer, direction: Direction, time: Int64,
                       frame: UInt64, context: TransactionContext, into out: inout [ApplicationTransaction]) {
        guard case .icmp(var s) = self else { return }
        self = .none
        out += s.receive(info, payload: payload, direction: direction, time: time, frame: frame).map {
            .icmp($0, Self.icmpContext($0, context))
        }
        self = .icmp(s)
    }

    /// ICMP transactions know their frames exactly.
    private static func icmpContext(_ t: ICMPTransaction, _ context: TransactionContext) -> TransactionContext {
        var c = context
        c.frames = [t.request?.frame, t.response?.frame].compactMap { $0 }
        return c
    }
}
