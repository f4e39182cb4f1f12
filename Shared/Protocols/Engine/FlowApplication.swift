import Dissection

/// A flow's application side: which module (if any) owns it, which way its
/// client is, and the frames that fed the session since its last transaction.
struct FlowApplication {
    var session: FlowSession?
    /// The chosen module reports one transaction per flow.
    var oneTransaction = false
    /// A module was chosen, or every direction's first payload was sniffed in vain.
    var decided = false
    var unclaimed = false
    /// The session has said all it will (a TLS handshake was reported): the flow's bytes need not be reassembled.
    var spent = false
    /// Nothing more to parse on this flow.
    var stopped: Bool { unclaimed || spent }
    /// Whether the flow's initiator is the protocol's client.
    var clientIsInitiator = true
    /// Directions (by initiator: bit 0 from it, bit 1 to it) whose first payload was sniffed.
    var sniffed: UInt8 = 0
    var flow: UInt64 = 0
    var communityID = ""
    var firstFrame: UInt64?
    /// What the chosen module's options add to its events.
    var event = EventOptions()

    mutating func choose(_ module: EnabledModule, transport: UInt8, clientIsInitiator: Bool) {
        session = module.makeSession(transport)
        oneTransaction = module.module.oneTransactionPerFlow
        event = EventOptions(module.options)
        self.clientIsInitiator = clientIsInitiator
        decided = true
    }

    func direction(fromInitiator: Bool) -> Direction { fromInitiator == clientIsInitiator ? .toServer : .toClient }

    /// Where transactions completed now come from.
    func origin(frame: UInt64, time: Int64) -> TransactionOrigin {
        TransactionOrigin(flow: flow, communityID: communityID, firstFrame: firstFrame, frame: frame, time: time,
                          event: event)
    }

    /// Packet time reached `now`: requests past their transaction timeout
    /// (their context names the first frame since the last transaction,
    /// else the flow's last frame).
    mutating func expire(now: Int64, lastFrame: UInt64, into out: inout [ApplicationTransaction]) {
        let before = out.count
        session?.expire(now: now, origin: origin(frame: firstFrame ?? lastFrame, time: now), into: &out)
        if out.count > before { emitted() }
    }

    /// When the session next has requests to expire.
    var expiryDeadline: Int64? { session?.expiryDeadline }

    /// A UDP datagram.
    mutating func datagram(_ payload: UnsafeRawBufferPointer, fromInitiator: Bool, time: Int64, frame: UInt64,
                           modules: [EnabledModule],
                           counters: inout ApplicationLayer.Counters, into out: inout [ApplicationTransaction]) {
        if !decided { sniff(payload, fromInitiator: fromInitiator, transport: IPProtocol.udp, modules: modules, counters: &counters) }
        guard let session else { return }
        received(frame)
        let before = out.count
        session.step(.data(payload), direction: direction(fromInitiator: fromInitiator), time: time,
                     origin: origin(frame: frame, time: time), into: &out)
        if out.count > before { emitted() }
    }

    /// An ICMP message (its direction is by initiator: ICMP has no client or server side).
    mutating func icmp(_ packet: DecodedPacket, payload: UnsafeRawBufferPointer, fromInitiator: Bool, time: Int64,
                       frame: UInt64, into out: inout [ApplicationTransaction]) {
        guard let info = packet.icmp else { return }
        session?.icmp(info, payload: payload, direction: fromInitiator ? .toServer : .toClient, time: time, frame: frame,
                     origin: origin(frame: frame, time: time), into: &out)
    }

    /// The flow ended: what the session still holds.
    mutating func finish(frame: UInt64, time: Int64, into out: inout [ApplicationTransaction]) {
        session?.step(.finish, direction: .toServer, time: time, origin: origin(frame: frame, time: time), into: &out)
        session = nil
    }

    /// What a TCP reassembler delivers.
    mutating func deliver(_ delivery: StreamDelivery, modules: [EnabledModule],
                          counters: inout ApplicationLayer.Counters, into out: inout [ApplicationTransaction]) {
        let fromInitiator = delivery.direction == .toServer
        let before = out.count
        switch delivery.kind {
        case .data(let bytes):
            if !decided { sniff(bytes, fromInitiator: fromInitiator, transport: IPProtocol.tcp, modules: modules, counters: &counters) }
            guard let session else { return }
            received(delivery.frame)
            session.step(.data(bytes), direction: direction(fromInitiator: fromInitiator), time: delivery.time,
                         origin: origin(frame: delivery.frame, time: delivery.time), into: &out)
        case .gap(let length):
            if !decided {
                // A direction that starts with a gap cannot be sniffed.
                markSniffed(fromInitiator: fromInitiator, counters: &counters)
                return
            }
            session?.step(.gap(length), direction: direction(fromInitiator: fromInitiator), time: delivery.time,
                         origin: origin(frame: delivery.frame, time: delivery.time), into: &out)
        case .end:
            return
        }
        if out.count > before { emitted() }
    }

    private mutating func emitted() {
        firstFrame = nil
        if oneTransaction {
            session = nil
            spent = true
        }
    }

    private mutating func received(_ frame: UInt64) {
        if firstFrame == nil, frame != 0 { firstFrame = frame }
    }

    /// The first payload of a direction: the first module whose sniffer
    /// knows it as a client's or a server's bytes takes the flow.
    private mutating func sniff(_ payload: UnsafeRawBufferPointer, fromInitiator: Bool, transport: UInt8,
                                modules: [EnabledModule], counters: inout ApplicationLayer.Counters) {
        guard !payload.isEmpty else { return }
        let bit: UInt8 = fromInitiator ? 1 : 2
        guard sniffed & bit == 0 else { return }
        for module in modules {
            if module.module.sniff(payload, .toServer) {
                choose(module, transport: transport, clientIsInitiator: fromInitiator)
                counters.bySniffing += 1
                return
            }
            if module.module.sniff(payload, .toClient) {
                choose(module, transport: transport, clientIsInitiator: !fromInitiator)
                counters.bySniffing += 1
                return
            }
        }
        markSniffed(fromInitiator: fromInitiator, counters: &counters)
    }

    private mutating func markSniffed(fromInitiator: Bool, counters: inout ApplicationLayer.Counters) {
        sniffed |= fromInitiator ? 1 : 2
        if sniffed == 3 {
            decided = true
            unclaimed = true
            counters.unclaimed += 1
        }
    }
}

/// What a `TransactionContext` is made of, made into one only when a step completes transactions.
struct TransactionOrigin {
    var flow: UInt64
    var communityID: String
    var firstFrame: UInt64?
    var frame: UInt64
    var time: Int64
    var event: EventOptions

    var context: TransactionContext {
        let first = firstFrame ?? frame
        return TransactionContext(flow: flow, communityID: communityID,
                                  frames: first == frame || frame == 0 ? [first] : [first, frame], time: time, event: event)
    }
}
