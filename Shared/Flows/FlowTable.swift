import Dissection

/// A bidirectional flow table for one capture, driven by packet time:
/// periodic reports at each multiple of `period`, final reports on timeout,
/// eviction, or the end of input. A TCP connection that ended (FIN or RST
/// seen) ends its flow when a new connection opens on the same 5-tuple (a
/// SYN without ACK, not a repeat of the flow's own first SYN), as Zeek and
/// Suricata split reused ports: that final report says `end`. Memory is
/// bounded by `maxFlows`.
public struct FlowTable {
    public struct Counters: Sendable, Hashable {
        public var created: UInt64 = 0
        public var timedOut: UInt64 = 0
        public var evicted: UInt64 = 0
        public var ended: UInt64 = 0
        /// Of `ended`: TCP flows ended by a new connection on their 5-tuple.
        public var reused: UInt64 = 0
        public var reports: UInt64 = 0
        public init() {}
    }

    /// What the packet was counted into.
    public struct Ref: Sendable {
        public var id: UInt64
        public var communityID: String
        /// True when the packet went from the flow's initiator.
        public var fromInitiator: Bool
    }

    struct Entry {
        var key: FlowKey
        var id: UInt64
        var communityID: String
        /// The initiator is the key's first endpoint.
        var initiatorIsFirst: Bool
        var firstFrame: UInt64
        var start: Int64
        var last: Int64
        var first = FlowDirectionStats()
        var second = FlowDirectionStats()
        /// The sequence number of the flow's first SYN without ACK, if it was seen.
        var openingSequence: UInt32?
        var dirty = true
        var live = true
    }

    public let config: FlowConfig
    public let captureID: UInt64
    public private(set) var counters = Counters()
    private var index: [FlowKey: Int32] = [:]
    private var entries: [Entry] = []
    private var free: [Int32] = []
    private var nextPeriod: Int64? = nil
    private var nextSweep: Int64? = nil
    private var now: Int64 = .min
    /// Consecutive packets mostly belong to one flow: checked before hashing.
    private var lastSlot: Int? = nil

    /// Timeouts are checked at this packet-time interval, not per packet.
    static let sweepInterval = FlowConfig.second

    public init(config: FlowConfig = FlowConfig(), captureID: UInt64 = 0) {
        self.config = config
        self.captureID = captureID
    }

    public var count: Int { index.count }

    /// The latest packet time seen.
    public var lastTime: Int64 { now == .min ? 0 : now }

    /// Moves packet time forward: emits periodic reports and expires flows.
    public mutating func advance(to time: Int64, emit: (FlowReport) -> Void) {
        guard time > now else { return }
        now = time
        if nextSweep == nil {
            nextSweep = time + Self.sweepInterval
            if let period = config.period, period > 0 { nextPeriod = (time / period + 1) * period }
            return
        }
        if let boundary = nextPeriod, let period = config.period, time >= boundary {
            // One report per active flow at the boundary, however many
            // periods the clock jumped over.
            for i in entries.indices where entries[i].live && entries[i].dirty {
                entries[i].dirty = false
                emit(report(entries[i], final: false, reason: .period))
            }
            nextPeriod = (time / period + 1) * period
        }
        if let sweep = nextSweep, time >= sweep {
            expire(olderThan: time - config.timeout, emit: emit)
            nextSweep = time + Self.sweepInterval
        }
    }

    /// Counts one packet (or, for a reassembled datagram, its `packets`
    /// fragments) into its flow, creating the flow when new. `tcpSequence`
    /// matters only with a SYN: whether it opens a new connection.
    @discardableResult
    public mutating func update(_ tuple: FlowTuple, vlans: VLANStack, time: Int64, frame: UInt64,
                                packets: UInt64 = 1, capturedBytes: UInt64, wireBytes: UInt64,
                                tcpFlags: UInt16 = 0, tcpSequence: UInt32 = 0, emit: (FlowReport) -> Void) -> Ref {
        advance(to: time, emit: emit)
        let (key, forward) = FlowKey.canonical(tuple, vlans: vlans)
        let opening = tcpFlags & (TCPInfo.syn | TCPInfo.ack) == TCPInfo.syn
        var slot: Int
        if let cached = lastSlot, entries[cached].key == key {
            slot = cached
        } else if let existing = index[key] {
            slot = Int(existing)
        } else {
            slot = insert(key: key, tuple: tuple, forward: forward, time: time, frame: frame, emit: emit)
        }
        if opening, entries[slot].isReopened(bySequence: tcpSequence) {
            counters.ended += 1
            counters.reused += 1
            remove(slot, reason: .end, emit: emit)
            slot = insert(key: key, tuple: tuple, forward: forward, time: time, frame: frame, emit: emit)
        }
        if opening, entries[slot].openingSequence == nil { entries[slot].openingSequence = tcpSequence }
        lastSlot = slot
        let fromInitiator: Bool
        do {
            let last = max(entries[slot].last, time)
            entries[slot].last = last
            entries[slot].dirty = true
            let isFirstEndpoint = forward
            fromInitiator = isFirstEndpoint == entries[slot].initiatorIsFirst
            if isFirstEndpoint {
                entries[slot].first.add(packets: packets, captured: capturedBytes, wire: wireBytes, flags: tcpFlags)
            } else {
                entries[slot].second.add(packets: packets, captured: capturedBytes, wire: wireBytes, flags: tcpFlags)
            }
        }
        return Ref(id: entries[slot].id, communityID: entries[slot].communityID, fromInitiator: fromInitiator)
    }

    /// Reports every open flow as final: the end of the capture.
    public mutating func flush(emit: (FlowReport) -> Void) {
        for i in entries.indices where entries[i].live {
            counters.ended += 1
            remove(i, reason: .end, emit: emit)
        }
    }

    private mutating func insert(key: FlowKey, tuple: FlowTuple, forward: Bool, time: Int64, frame: UInt64,
                                 emit: (FlowReport) -> Void) -> Int {
        if index.count >= config.maxFlows { makeRoom(emit: emit) }
        let entry = Entry(key: key, id: key.id(capture: captureID, firstFrame: frame),
                          communityID: config.communityID.compute(tuple), initiatorIsFirst: forward,
                          firstFrame: frame, start: time, last: time)
        counters.created += 1
        let slot: Int
        if let reused = free.popLast() {
            slot = Int(reused)
            entries[slot] = entry
        } else {
            slot = entries.count
            entries.append(entry)
        }
        index[key] = Int32(slot)
        return slot
    }

    private mutating func expire(olderThan cutoff: Int64, emit: (FlowReport) -> Void) {
        for i in entries.indices where entries[i].live && entries[i].last <= cutoff {
            counters.timedOut += 1
            remove(i, reason: .timeout, emit: emit)
        }
    }

    /// Expires what has timed out; if the table is still full, evicts the
    /// least recently seen sixteenth so eviction work is amortised.
    private mutating func makeRoom(emit: (FlowReport) -> Void) {
        expire(olderThan: now - config.timeout, emit: emit)
        guard index.count >= config.maxFlows else { return }
        let lastSeen = entries.filter(\.live).map(\.last).sorted()
        let victims = max(1, lastSeen.count / 16)
        let threshold = lastSeen[victims - 1]
        var removed = 0
        for i in entries.indices where removed < victims && entries[i].live && entries[i].last <= threshold {
            counters.evicted += 1
            removed += 1
            remove(i, reason: .evicted, emit: emit)
        }
    }

    private mutating func remove(_ slot: Int, reason: FlowReport.Reason, emit: (FlowReport) -> Void) {
        emit(report(entries[slot], final: true, reason: reason))
        entries[slot].live = false
        entries[slot].communityID = ""
        if lastSlot == slot { lastSlot = nil }
        index.removeValue(forKey: entries[slot].key)
        free.append(Int32(slot))
    }

    private mutating func report(_ e: Entry, final: Bool, reason: FlowReport.Reason) -> FlowReport {
        counters.reports += 1
        let tuple = e.initiatorIsFirst || e.key.tuple.isOneWay ? e.key.tuple : e.key.tuple.reversed
        return FlowReport(id: e.id, communityID: e.communityID, tuple: tuple, vlans: e.key.vlans,
                          firstFrame: e.firstFrame, start: e.start, end: e.last,
                          source: e.initiatorIsFirst ? e.first : e.second,
                          destination: e.initiatorIsFirst ? e.second : e.first,
                          final: final, reason: reason)
    }
}

extension FlowTable.Entry {
    /// A SYN without ACK after the connection's FIN or RST opens another
    /// one, unless it repeats the flow's own opening SYN (a retransmission).
    func isReopened(bySequence sequence: UInt32) -> Bool {
        guard key.tuple.protocolNumber == IPProtocol.tcp,
              (first.tcpFlags | second.tcpFlags) & (TCPInfo.fin | TCPInfo.rst) != 0 else { return false }
        return openingSequence != sequence
    }
}

extension FlowDirectionStats {
    mutating func add(packets: UInt64, captured: UInt64, wire: UInt64, flags: UInt16) {
        self.packets &+= packets
        capturedBytes &+= captured
        wireBytes &+= wire
        tcpFlags |= flags
    }
}
