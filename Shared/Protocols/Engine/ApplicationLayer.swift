import Dissection

/// One capture's application layer: fed every decoded packet of a flow, it
/// keeps per flow a TCP reassembler (TCP) and at most one module session,
/// chosen by the flow's ports (a server port on either side) or else by
/// sniffing the first payload in each direction, and returns the
/// transactions each packet completed. Every `expiryInterval` of packet
/// time, the sessions holding requests that waited past their protocol's
/// `transactionTimeout` report them, in slot order: a deadline queue names
/// those sessions, so a tick costs what expires, not one visit per flow.
/// Memory is bounded by
/// `ApplicationLimits`: the least recently used flows' state is evicted
/// (their pending transactions flushed) and counted.
public struct ApplicationLayer {
    public struct Counters: Sendable, Hashable {
        /// Flows given application-layer state.
        public var flows = 0
        /// Flows whose module was chosen by port, by sniffing; flows no module claimed.
        public var byPort = 0
        public var bySniffing = 0
        public var unclaimed = 0
        /// Flows whose state was evicted for the flow bound, for the buffer bound.
        public var evictedForFlows = 0
        public var evictedForBytes = 0
        public var transactions = 0
        /// Reassembly totals of finished and evicted connections.
        public var gaps = 0
        public var gapBytes: Int64 = 0

        public init() {}
    }

    public let config: ApplicationConfig
    public private(set) var counters = Counters()
    /// Out-of-order TCP bytes held over all flows.
    public private(set) var bufferedBytes = 0
    private var index: [UInt64: Int] = [:]
    private var slots: [FlowState] = []
    private var free: [Int] = []
    /// The slot `receive` used last: bulk TCP repeats a flow back to back.
    private var recent: (flow: UInt64, slot: Int)?
    private var clock: UInt64 = 0
    /// Enabled modules per transport (indexed by IP protocol number), in sniffing order, with their options.
    private let candidates: [[EnabledModule]]
    /// How often (packet time, ns) pending requests are checked for expiry:
    /// every second, or every shortest enabled timeout if that is shorter (at least 1 ms).
    public let expiryInterval: Int64
    private var nextExpiry = Int64.min
    /// Each flow's next expiry deadline, as its session last told it.
    private var deadlines = DeadlineQueue()

    public init(config: ApplicationConfig = ApplicationConfig()) {
        self.config = config
        var candidates = [[EnabledModule]](repeating: [], count: 256)
        var shortest: Int64 = 1_000_000_000
        for module in ProtocolModules.all where config[module.dataset].enabled {
            let enabled = EnabledModule(module: module, options: config[module.dataset])
            for transport in module.transports { candidates[Int(transport)].append(enabled) }
            shortest = min(shortest, enabled.options.transactionTimeout)
        }
        self.candidates = candidates
        expiryInterval = max(1_000_000, shortest)
        // Up front, so growing never copies the flows' state (the pages are touched only as flows come).
        let expected = min(config.limits.maxFlows, 1 << 16)
        index.reserveCapacity(expected)
        slots.reserveCapacity(expected)
    }

    /// Flows holding state now.
    public var flowCount: Int { index.count }

    /// One decoded packet of flow `flow`. `bytes` is the captured frame;
    /// `transportPayload` the payload of a datagram reassembled from
    /// fragments (then the packet's own L5 offsets do not apply).
    public mutating func receive(frame: UInt64, time: Int64, packet: DecodedPacket, bytes: UnsafeRawBufferPointer,
                                 flow: UInt64, communityID: String, fromInitiator: Bool,
                                 transportPayload: UnsafeRawBufferPointer? = nil) -> [ApplicationTransaction] {
        var out: [ApplicationTransaction] = []
        if time >= nextExpiry { expireAll(now: time, into: &out) }
        process(frame: frame, time: time, packet: packet, bytes: bytes, flow: flow, communityID: communityID,
                fromInitiator: fromInitiator, transportPayload: transportPayload, into: &out)
        counters.transactions += out.count
        return out
    }

    private mutating func process(frame: UInt64, time: Int64, packet: DecodedPacket, bytes: UnsafeRawBufferPointer,
                                  flow: UInt64, communityID: String, fromInitiator: Bool,
                                  transportPayload: UnsafeRawBufferPointer?, into out: inout [ApplicationTransaction]) {
        let transport = packet.l4Type
        let modules = candidates[Int(transport)]
        guard !modules.isEmpty else { return }
        let payload: UnsafeRawBufferPointer
        var uncaptured = 0
        if let transportPayload {
            payload = transportPayload
        } else {
            let start = Int(packet.l5Offset), end = start + Int(packet.l5Length)
            guard packet.l5Offset > 0 || packet.l5Length == 0, start >= 0, start <= end, end <= bytes.count else { return }
            payload = UnsafeRawBufferPointer(rebasing: bytes[start ..< end])
            if packet.capturedLength < packet.wireLength {
                let header = packet.ipVersion == 6 ? 40 : Int(packet.l3Length)
                let ipEnd = Int(packet.l3Offset) + header + Int(packet.ipPayloadLength)
                uncaptured = max(0, min(ipEnd - end, Int(packet.wireLength - packet.capturedLength)))
            }
        }
        clock += 1
        let slot: Int
        if let recent, recent.flow == flow {
            slot = recent.slot
        } else if let known = index[flow] {
            slot = known
        } else {
            if transport == IPProtocol.tcp || transport == IPProtocol.udp {
                guard packet.hasPorts else { return }
            } else if packet.icmp == nil {
                return
            }
            if index.count >= config.limits.maxFlows { evictOldest(into: &out) }
            slot = create(flow: flow, communityID: communityID, transport: transport, packet: packet,
                          fromInitiator: fromInitiator, modules: modules)
        }
        recent = (flow, slot)
        let input = PacketInput(frame: frame, time: time, payload: payload, uncaptured: uncaptured,
                                fromInitiator: fromInitiator, reassembled: transportPayload != nil)
        // In place: the slot's buffers are never copied.
        Self.feed(&slots[slot], packet, input, clock: clock, modules: modules, counters: &counters,
                  bufferedBytes: &bufferedBytes, into: &out)
        arm(slot)
        if bufferedBytes > config.limits.maxBufferedBytes { evictForBytes(sparing: slot, into: &out) }
    }

    /// What `receive` hands a flow's state besides the packet.
    private struct PacketInput {
        var frame: UInt64
        var time: Int64
        var payload: UnsafeRawBufferPointer
        var uncaptured: Int
        var fromInitiator: Bool
        /// The payload is a datagram reassembled from fragments.
        var reassembled: Bool
    }

    private static func feed(_ state: inout FlowState, _ packet: DecodedPacket, _ input: PacketInput, clock: UInt64,
                             modules: [EnabledModule], counters: inout Counters, bufferedBytes: inout Int,
                             into out: inout [ApplicationTransaction]) {
        state.lastUsed = clock
        state.lastFrame = input.frame
        state.lastTime = input.time
        switch packet.l4Type {
        case IPProtocol.tcp:
            // A reassembled datagram's header was read from its first fragment.
            guard packet.l4Length >= 20 || input.reassembled, state.reassembler != nil else { break }
            let segment = TCPSegment(direction: input.fromInitiator ? .toServer : .toClient, sequence: packet.tcp.sequence,
                                     flags: TCPSegment.Flags(tcpFlags: packet.tcp.flags), payload: input.payload,
                                     uncapturedLength: input.uncaptured, time: input.time, frame: input.frame)
            reassemble(segment, &state.reassembler, &state.app, modules: modules, counters: &counters,
                       bufferedBytes: &bufferedBytes, into: &out)
        case IPProtocol.udp:
            state.app.datagram(input.payload, fromInitiator: input.fromInitiator, time: input.time, frame: input.frame,
                               modules: modules, counters: &counters, into: &out)
        default:
            state.app.icmp(packet, payload: input.payload, fromInitiator: input.fromInitiator, time: input.time,
                           frame: input.frame, into: &out)
        }
    }

    /// One segment through a flow's reassembler into its session; the
    /// reassembler is dropped once the session needs no more bytes.
    private static func reassemble(_ segment: TCPSegment, _ reassembler: inout TCPStreamReassembler?,
                                   _ app: inout FlowApplication, modules: [EnabledModule], counters: inout Counters,
                                   bufferedBytes: inout Int, into out: inout [ApplicationTransaction]) {
        let before = reassembler?.bufferedBytes ?? 0
        reassembler?.receive(segment) { delivery in
            app.deliver(delivery, modules: modules, counters: &counters, into: &out)
        }
        guard let after = reassembler?.bufferedBytes else { return }
        bufferedBytes += after - before
        if app.stopped, let spent = reassembler?.counters {
            counters.gaps += spent.gaps
            counters.gapBytes += spent.gapBytes
            bufferedBytes -= after
            reassembler = nil
        }
    }

    /// The flow ended (its final report): flushes its reassembly and session.
    public mutating func finish(flow: UInt64) -> [ApplicationTransaction] {
        guard let slot = index[flow] else { return [] }
        var out: [ApplicationTransaction] = []
        release(slot, into: &out)
        counters.transactions += out.count
        return out
    }

    /// The capture ended: every flow still holding state, oldest first.
    public mutating func finishAll() -> [ApplicationTransaction] {
        var out: [ApplicationTransaction] = []
        for slot in index.values.sorted(by: { slots[$0].created < slots[$1].created }) { release(slot, into: &out) }
        counters.transactions += out.count
        return out
    }

    /// Every flow's expired requests, in slot order. A queued deadline
    /// only says when to ask: the session's own deadline decides, and one
    /// that moved later is queued again. Entries a slot no longer has armed
    /// (replaced by an earlier one, or the slot released) are dropped.
    private mutating func expireAll(now: Int64, into out: inout [ApplicationTransaction]) {
        nextExpiry = now + expiryInterval
        var due: [Int] = []
        while let entry = deadlines.popDue(by: now) {
            let slot = Int(entry.slot)
            guard slots[slot].armed == entry.deadline else { continue }
            slots[slot].armed = nil
            if let deadline = slots[slot].app.expiryDeadline, deadline <= now {
                due.append(slot)
            } else {
                arm(slot)
            }
        }
        due.sort()
        for slot in due {
            let lastFrame = slots[slot].lastFrame
            slots[slot].app.expire(now: now, lastFrame: lastFrame, into: &out)
            arm(slot)
        }
    }

    /// Queues the slot's session deadline unless an earlier or equal one is
    /// queued already (a later deadline is found when that one comes up).
    private mutating func arm(_ slot: Int) {
        guard let deadline = slots[slot].app.expiryDeadline else { return }
        if let armed = slots[slot].armed, armed <= deadline { return }
        slots[slot].armed = deadline
        deadlines.insert(DeadlineQueue.Entry(deadline: deadline, slot: Int32(slot)))
    }

    // MARK: State

    private mutating func create(flow: UInt64, communityID: String, transport: UInt8, packet: DecodedPacket,
                                 fromInitiator: Bool, modules: [EnabledModule]) -> Int {
        var state = FlowState(flow: flow, communityID: communityID, created: clock)
        // The initiator's ports, whichever way this packet went.
        let initiatorPort = fromInitiator ? packet.sourcePort : packet.destinationPort
        let responderPort = fromInitiator ? packet.destinationPort : packet.sourcePort
        counters.flows += 1
        if transport == IPProtocol.icmp || transport == IPProtocol.icmpv6 {
            state.app.choose(modules[0], transport: transport, clientIsInitiator: true)
        } else if let chosen = modules.first(where: { $0.options.ports.contains(responderPort) }) {
            state.app.choose(chosen, transport: transport, clientIsInitiator: true)
            counters.byPort += 1
        } else if let chosen = modules.first(where: { $0.options.ports.contains(initiatorPort) }) {
            state.app.choose(chosen, transport: transport, clientIsInitiator: false)
            counters.byPort += 1
        } else if !config.sniffing {
            state.app.decided = true
            state.app.unclaimed = true
            counters.unclaimed += 1
        }
        state.app.flow = flow
        state.app.communityID = communityID
        if transport == IPProtocol.tcp && !state.app.unclaimed {
            state.reassembler = TCPStreamReassembler(limits: config.limits.reassembly)
        }
        let slot: Int
        if let reused = free.popLast() {
            slot = reused
            slots[slot] = state
        } else {
            slot = slots.count
            slots.append(state)
        }
        index[flow] = slot
        return slot
    }

    /// Flushes a flow's reassembler and session, and forgets the flow.
    private mutating func release(_ slot: Int, into out: inout [ApplicationTransaction]) {
        var state = FlowState.placeholder
        swap(&state, &slots[slot])
        index[state.flow] = nil
        free.append(slot)
        if recent?.slot == slot { recent = nil }
        if var reassembler = state.reassembler {
            state.reassembler = nil
            bufferedBytes -= reassembler.bufferedBytes
            let modules = candidates[Int(IPProtocol.tcp)]
            reassembler.finish(deliver: { delivery in
                state.app.deliver(delivery, modules: modules, counters: &counters, into: &out)
            }, time: state.lastTime)
            counters.gaps += reassembler.counters.gaps
            counters.gapBytes += reassembler.counters.gapBytes
        }
        state.app.finish(frame: state.lastFrame, time: state.lastTime, into: &out)
    }

    /// The flow bound is reached: the least recently used sixteenth goes.
    private mutating func evictOldest(into out: inout [ApplicationTransaction]) {
        let victims = index.values.sorted { slots[$0].lastUsed < slots[$1].lastUsed }
            .prefix(max(1, config.limits.maxFlows / 16))
        for slot in victims { release(slot, into: &out) }
        counters.evictedForFlows += victims.count
    }

    /// The buffer bound is passed: the least recently used flows holding out-of-order bytes go.
    private mutating func evictForBytes(sparing current: Int, into out: inout [ApplicationTransaction]) {
        while bufferedBytes > config.limits.maxBufferedBytes {
            let holders = index.values.filter { $0 != current && (slots[$0].reassembler?.bufferedBytes ?? 0) > 0 }
            guard let victim = holders.min(by: { slots[$0].lastUsed < slots[$1].lastUsed }) ?? index[slots[current].flow]
            else { return }
            release(victim, into: &out)
            counters.evictedForBytes += 1
            if victim == current { return }
        }
    }
}

/// One flow's entry: reassembly and the application side.
private struct FlowState {
    var flow: UInt64
    var communityID: String
    var created: UInt64
    var lastUsed: UInt64 = 0
    var lastFrame: UInt64 = 0
    var lastTime: Int64 = 0
    /// The deadline this flow has queued (its entry in the deadline queue).
    var armed: Int64?
    var reassembler: TCPStreamReassembler?
    var app = FlowApplication()

    /// Stands in a free slot.
    static var placeholder: FlowState { FlowState(flow: 0, communityID: "", created: 0) }
}
