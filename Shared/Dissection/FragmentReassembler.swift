/// Reassembles IPv4 and IPv6 fragments into datagram payloads. Overlaps keep
/// the bytes that arrived first (and are flagged; differing bytes flagged
/// as a conflict). Every limit is bounded and counted.
public struct FragmentReassembler {
    public struct Limits: Sendable {
        /// Datagrams in progress at once; Linux allows ~4 MB of fragment
        /// memory by default, about this many small datagrams.
        public var maxDatagrams = 4096
        /// Pieces of one datagram; a 64 KiB datagram in 8-byte pieces would
        /// need 8192, real ones rarely exceed a few dozen.
        public var maxFragments = 256
        /// An IPv4 total length (and a non-jumbo IPv6 payload) fits 16 bits.
        public var maxDatagramSize = 65_535
        /// Incomplete datagrams are dropped after this (Linux ipfrag_time: 30 s).
        public var timeout: Int64 = 30_000_000_000
        public init() {}
    }

    public struct Key: Hashable, Sendable {
        public var source: IPAddress
        public var destination: IPAddress
        public var protocolNumber: UInt8
        public var identification: UInt32
        public var vlans: VLANStack

        public init(source: IPAddress, destination: IPAddress, protocolNumber: UInt8, identification: UInt32,
                    vlans: VLANStack) {
            self.source = source
            self.destination = destination
            self.protocolNumber = protocolNumber
            self.identification = identification
            self.vlans = vlans
        }
    }

    /// A frame that contributed to a datagram.
    public struct Piece: Sendable, Hashable {
        public var frame: UInt64
        public var capturedBytes: Int
        public var wireBytes: Int

        public init(frame: UInt64, capturedBytes: Int, wireBytes: Int) {
            self.frame = frame
            self.capturedBytes = capturedBytes
            self.wireBytes = wireBytes
        }
    }

    public enum Outcome {
        /// Held; nothing to report yet.
        case pending
        /// The datagram is whole: its payload (the transport header onward)
        /// and the frames that carried it, in arrival order.
        case complete(payload: [UInt8], pieces: [Piece], anomalies: AnomalySet)
        /// The piece could not be held; the datagram (if any) is abandoned.
        case rejected(pieces: [Piece], anomalies: AnomalySet)
    }

    /// A datagram given up on, reported so its frames are still counted.
    public struct Expired: Sendable {
        public var key: Key
        public var pieces: [Piece]
        public var anomalies: AnomalySet
    }

    struct Datagram {
        var ranges: [(offset: Int, bytes: [UInt8])] = []
        var pieces: [Piece] = []
        var totalLength: Int? = nil
        var anomalies = AnomalySet()
        var firstSeen: Int64
        var lastSeen: Int64
    }

    public struct Counters: Sendable, Hashable {
        public var completed: UInt64 = 0
        public var expired: UInt64 = 0
        public var rejected: UInt64 = 0
    }

    public let limits: Limits
    public private(set) var counters = Counters()
    private var datagrams: [Key: Datagram] = [:]

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    public var pendingCount: Int { datagrams.count }

    public mutating func add(key: Key, offset: Int, moreFragments: Bool, payload: UnsafeRawBufferPointer,
                             piece: Piece, time: Int64) -> Outcome {
        var anomalies = AnomalySet()
        if datagrams[key] == nil && datagrams.count >= limits.maxDatagrams {
            anomalies.insert(.fragmentTableFull)
            counters.rejected += 1
            return .rejected(pieces: [piece], anomalies: anomalies)
        }
        var d = datagrams[key] ?? Datagram(firstSeen: time, lastSeen: time)
        d.lastSeen = time
        d.pieces.append(piece)
        let end = offset + payload.count
        if end > limits.maxDatagramSize { d.anomalies.insert(.fragmentTooLarge) }
        if d.pieces.count > limits.maxFragments { d.anomalies.insert(.fragmentTooMany) }
        if !moreFragments {
            if let known = d.totalLength, known != end { d.anomalies.insert(.fragmentInconsistentEnd) }
            // Bytes already held past the new end contradict it.
            if d.ranges.contains(where: { $0.offset + $0.bytes.count > end }) { d.anomalies.insert(.fragmentInconsistentEnd) }
            d.totalLength = end
        } else if let known = d.totalLength, end > known {
            d.anomalies.insert(.fragmentInconsistentEnd)
        }
        if d.anomalies.contains(.fragmentTooLarge) || d.anomalies.contains(.fragmentTooMany)
            || d.anomalies.contains(.fragmentInconsistentEnd) {
            datagrams.removeValue(forKey: key)
            counters.rejected += 1
            return .rejected(pieces: d.pieces, anomalies: d.anomalies)
        }
        Self.insert(offset: offset, bytes: payload, into: &d)
        if let total = d.totalLength, let whole = Self.assemble(d, total: total) {
            datagrams.removeValue(forKey: key)
            counters.completed += 1
            return .complete(payload: whole, pieces: d.pieces, anomalies: d.anomalies)
        }
        datagrams[key] = d
        return .pending
    }

    /// Gives up on datagrams idle since before `time - timeout`.
    public mutating func expire(now time: Int64) -> [Expired] {
        let stale = datagrams.filter { $0.value.lastSeen < time - limits.timeout }
        return stale.map { drop($0.key, $0.value) }.sorted { ($0.pieces.first?.frame ?? 0) < ($1.pieces.first?.frame ?? 0) }
    }

    /// Gives up on everything still held: the end of the capture.
    public mutating func flush() -> [Expired] {
        let all = datagrams
        return all.map { drop($0.key, $0.value) }.sorted { ($0.pieces.first?.frame ?? 0) < ($1.pieces.first?.frame ?? 0) }
    }

    private mutating func drop(_ key: Key, _ d: Datagram) -> Expired {
        datagrams.removeValue(forKey: key)
        counters.expired += 1
        var anomalies = d.anomalies
        anomalies.insert(.fragmentIncomplete)
        return Expired(key: key, pieces: d.pieces, anomalies: anomalies)
    }

    /// Keeps only bytes not already held (first arrival wins), flagging
    /// overlaps and conflicting overlaps.
    private static func insert(offset: Int, bytes: UnsafeRawBufferPointer, into d: inout Datagram) {
        var start = offset
        let end = offset + bytes.count
        for range in d.ranges.sorted(by: { $0.offset < $1.offset }) {
            let rStart = range.offset, rEnd = range.offset + range.bytes.count
            guard rEnd > offset, rStart < end else { continue }
            d.anomalies.insert(.fragmentOverlap)
            let lo = max(rStart, offset), hi = min(rEnd, end)
            for i in lo..<hi where range.bytes[i - rStart] != bytes[i - offset] {
                d.anomalies.insert(.fragmentOverlapConflict)
                break
            }
        }
        // Insert the uncovered gaps of [offset, end).
        var covered = d.ranges.map { ($0.offset, $0.offset + $0.bytes.count) }.sorted { $0.0 < $1.0 }
        covered.append((Int.max, Int.max))
        for (cStart, cEnd) in covered {
            if start >= end { break }
            if cEnd <= start { continue }
            let gapEnd = min(cStart, end)
            if gapEnd > start {
                d.ranges.append((start, Array(bytes[(start - offset) ..< (gapEnd - offset)])))
            }
            start = max(start, cEnd)
        }
    }

    private static func assemble(_ d: Datagram, total: Int) -> [UInt8]? {
        let sorted = d.ranges.sorted { $0.offset < $1.offset }
        var next = 0
        for r in sorted {
            if r.offset > next { return nil }
            next = max(next, r.offset + r.bytes.count)
        }
        guard next >= total else { return nil }
        var out = [UInt8](repeating: 0, count: total)
        for r in sorted {
            for (i, b) in r.bytes.enumerated() where r.offset + i < total { out[r.offset + i] = b }
        }
        return out
    }
}
