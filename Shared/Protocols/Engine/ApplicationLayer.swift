import Dissection

/// One capture's application layer: fed every decoded packet of a flow, it
/// keeps per flow a TCP reassembler (TCP) and at most one module session,
/// chosen by the flow's ports (a server port on either side) or else by
/// sniffing the first payload in each direction, and returns the
/// transactions each packet completed. Every `expiryInterval` of packet
/// time, every flow's session reports the requests that waited past its
/// protocol's `transactionTimeout`. Memory is bounded by
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
    private var clock: UInt64 = 0
    /// Enabled modules per transport, in sniffing order, with their options.
    private let candidates: [UInt8: [EnabledModule]]
    /// How often (packet time, ns) pending requests are checked for expiry:
    /// every second, or every shortest enabled timeout if that is shorter (at least 1 ms).
    public let expiryInterval: Int64
    private var nextExpiry = Int64.min

    public init(config: ApplicationConfig = ApplicationConfig()) {
        self.config = config
        var candidates: [UInt8: [EnabledModule]] = [:]
        var shortest: Int64 = 1_000_000_000
        for entry in ApplicationRegistry.entries where config[entry.proto].enabled {
            let module = EnabledModule(entry: entry, options: config[entry.proto])
            for transport in entry.transports { candidates[transport, default: []].append(module) }
            shortest = min(shortest, module.options.transactionTimeout)
        }
        self.candidates = candidates
        expiryInterval = max(1_000_000, shortest)
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
        guard let modules = candidates[transport], !modules.isEmpty else { return }
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
        if let known = index[flow] {
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
        var state = slots[slot]
        slots[slot] = FlowState.placeholder
        state.lastUsed = clock
        state.lastFrame = frame
        state.lastTime = time
        switch transport {
        case IPProtocol.tcp:
            // A reassembled datagram's header was read from its first fragment.
            guard packet.l4Length >= 20 || transportPayload != nil else { break }
            if var reassembler = state.reassembler {
                state.reassembler = nil
                let before = reassembler.bufferedBytes
                let segment = TCPSegment(direction: fromInitiator ? .toServer : .toClient, sequence: packet.tcp.sequence,
                                         flags: TCPSegment.Flags(tcpFlags: packet.tcp.flags), payload: payload,
                                         uncapturedLength: uncaptured, time: time, frame: frame)
                var app = state.app
                state.app = FlowApplication()
                reassembler.receive(segment) { delivery in
                    app.deliver(delivery, modules: modules, counters: &counters, into: &out)
                }
                state.app = app
                bufferedBytes += reassembler.bufferedBytes - before
                if state.app.stopped {
                    counters.gaps += reassembler.counters.gaps
                    counters.gapBytes += reassembler.counters.gapBytes
                    bufferedBytes -= reassembler.bufferedBytes
                } else {
                    state.reassembler = reassembler
                }
            }
        case IPProtocol.udp:
            state.app.datagram(payload, fromInitiator: fromInitiator, time: time, frame: frame, modules: modules,
                               counters: &counters, into: &out)
        default:
            if let info = packet.icmp {
                state.app.session.icmp(info, payload: payload, direction: fromInitiator ? .toServer : .toClient,
                                       time: time, frame: frame, context: state.app.context(frame: frame, time: time),
                                       into: &out)
            }
        }
        slots[slot] = state
        if bufferedBytes > config.limits.maxBufferedBytes { evictForBytes(sparing: slot, into: &out) }
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

    /// Every flow's expired requests, in slot order (free slots hold no session).
    private mutating func expireAll(now: Int64, into out: inout [ApplicationTransaction]) {
        nextExpiry = now + expiryInterval
        for slot in slots.indices {
            let lastFrame = slots[slot].lastFrame
            slots[slot].app.expire(now: now, lastFrame: lastFrame, into: &out)
        }
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
        var state = slots[slot]
        slots[slot] = FlowState.placeholder
        index[state.flow] = nil
        free.append(slot)
        if var reassembler = state.reassembler {
            state.reassembler = nil
            bufferedBytes -= reassembler.bufferedBytes
            var app = state.app
            state.app = FlowApplication()
            let modules = candidates[IPProtocol.tcp] ?? []
            reassembler.finish(deliver: { delivery in
                app.deliver(delivery, modules: modules, counters: &counters, into: &out)
            }, time: state.lastTime)
            state.app = app
            counters.gaps += reassembler.counters.gaps
            counters.gapBytes += reassembler.counters.gapBytes
        }
        state.app.session.step(.finish, direction: .toServer, time: state.lastTime,
                               context: state.app.context(frame: state.lastFrame, time: state.lastTime), into: &out)
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
    var reassembler: TCPStreamReassembler?
    var app = FlowApplication()

    /// Stands in a slot while its state is worked on, so the state's buffers stay uniquely referenced.
    static var placeholder: FlowState { FlowState(flow: 0, communityID: "", created: 0) }
}
