import Events
import Dissection

/// ICMP and ICMPv6, chosen by the IP protocol, never by ports or content.
/// The dissector already decoded each message (`ICMPInfo`), so the session
/// is fed messages, not bytes.
public enum ICMPModule {
    public static let descriptor = ProtocolModule(
        ICMPTransaction.self, defaultPorts: [], transports: [IPProtocol.icmp, IPProtocol.icmpv6], sniff: { _, _ in false }
    ) { transport, options in
        session(ICMPSession(version: transport == IPProtocol.icmpv6 ? 6 : 4, transactionTimeout: options.transactionTimeout))
    }

    /// An ICMP flow's session as the engine drives it: fed the dissector's
    /// messages. ICMP transactions know their frames exactly.
    static func session(_ session: ICMPSession) -> FlowSession {
        let box = SessionBox(session)
        return FlowSession(step: { step, _, _, origin, out in
            guard case .finish = step else { return }
            out.append(box.session.finish(), origin, adjust: frames)
        }, expire: { now, origin, out in
            out.append(box.session.expire(now: now), origin, adjust: frames)
        }, deadline: { box.session.expiryDeadline }, icmp: { info, payload, direction, time, frame, origin, out in
            out.append(box.session.receive(info, payload: payload, direction: direction, time: time, frame: frame),
                       origin, adjust: frames)
        })
    }

    private static func frames(_ t: ICMPTransaction, _ context: inout TransactionContext) {
        context.frames = [t.request?.frame, t.response?.frame].compactMap { $0 }
    }
}

extension ICMPTransaction: ProtocolTransaction {
    public static var dataset: Dataset { .icmp }

    public var requestText: String? { request.map(text(of:)) }
    public var responseText: String? { response.map(text(of:)) }

    public var summary: String {
        func name(_ m: ICMPMessage) -> String {
            var text = ICMPNames.type(m.type, version: version)
            if let code = ICMPNames.code(m.code, type: m.type, version: version) { text += " (\(code))" }
            return text
        }
        var line: String
        switch (request, response) {
        case (let q?, let r?): line = "\(name(q)) → \(name(r))"
        case (let q?, nil): line = name(q) + ([8, 13, 15, 17, 128, 133, 135].contains(q.type) && quoted == nil ? " → (no reply)" : "")
        case (nil, let r?): line = "(no request) → \(name(r))"
        case (nil, nil): line = "?"
        }
        if let echoID, let echoSequence { line += " id \(echoID) seq \(echoSequence)" }
        if let roundTrip { line += " rtt " + Self.milliseconds(roundTrip) }
        if let quoted { line += " quoting \(quoted.source) > \(quoted.destination)" }
        if let target { line += " target \(target)" }
        return line
    }

    /// Nanoseconds as milliseconds with three decimals.
    static func milliseconds(_ ns: Int64) -> String {
        let micros = (ns + 500) / 1000
        let fraction = String(abs(micros) % 1000)
        return "\(micros / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction) ms"
    }
}
