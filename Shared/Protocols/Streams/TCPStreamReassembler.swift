/// One TCP flow's reassembly: segments in capture order in, each
/// direction's bytes in stream order out, through a callback.
///
/// - Sequence numbers are compared modulo 2^32 relative to the next expected
///   byte, so wraparound needs no special case; stream offsets are 64-bit.
/// - A SYN sets the initial sequence (data starts at ISN+1). Without one
///   (a capture that starts late) a direction starts at the first segment
///   with data or FIN.
/// - Overlaps: the first bytes seen for a position win (Suricata's default);
///   overlapping bytes that differ from buffered ones, or from the last
///   delivered ones still remembered, count as a conflict.
/// - Payload the capture cut off (snap length) is delivered as a gap.
/// - Out-of-order data waits in a per-direction buffer bounded by bytes and
///   pieces; past the bound the direction skips to its first buffered piece
///   and reports the skipped bytes as a gap. `bufferedBytes` and
///   `releaseBuffers` let a caller enforce a budget over many flows.
/// - FIN ends a direction once everything before it has arrived; RST ends
///   both at once (unless its sequence is out of window, RFC 5961); `finish` ends them at flow end. Whatever is missing then
///   is reported as gaps between the buffered pieces.
public struct TCPStreamReassembler {
    public struct Limits: Sendable, Hashable {
        /// Out-of-order bytes held per direction (a receive window's worth on fast links).
        public var maxBufferedBytes: Int = 1 << 20
        /// Out-of-order pieces held per direction, so tiny segments cannot cost more in bookkeeping than in bytes.
        public var maxBufferedPieces: Int = 4096
        /// How far ahead of the next expected byte a segment may start; beyond it is
        /// out of window (well above real receive windows; random sequences mostly land outside).
        public var maxWindow: Int64 = 64 << 20
        /// Delivered bytes remembered to tell a faithful retransmission from one with other bytes.
        public var comparedBytes = 4096

        public init() {}
    }

    public struct Counters: Sendable, Hashable {
        /// Segments (and their bytes) wholly or partly before the next expected byte.
        public var retransmittedSegments = 0
        public var retransmittedBytes = 0
        /// Bytes that overlapped buffered out-of-order data; segments whose overlap differed.
        public var overlapBytes = 0
        public var overlapConflicts = 0
        public var outOfWindowSegments = 0
        /// Payload bytes thrown away: out of window, after the direction ended, past FIN.
        public var droppedBytes = 0
        public var gaps = 0
        public var gapBytes: Int64 = 0
        /// Gaps forced by the buffer limits rather than by the end of a direction.
        public var limitGaps = 0
        /// Payload bytes on the wire the capture did not keep (snap length), delivered as gaps.
        public var uncapturedBytes = 0
        /// RSTs whose sequence is a window or more away from the expected one.
        public var ignoredResets = 0

        public init() {}
    }

    public private(set) var counters = Counters()
    public let limits: Limits
    private var toServer: DirectionState
    private var toClient: DirectionState

    public init(limits: Limits = Limits()) {
        self.limits = limits
        toServer = DirectionState(comparedBytes: limits.comparedBytes)
        toClient = DirectionState(comparedBytes: limits.comparedBytes)
    }

    /// Out-of-order bytes held for both directions.
    public var bufferedBytes: Int { toServer.bufferedBytes + toClient.bufferedBytes }

    public func isClosed(_ direction: Direction) -> Bool { self[direction].closed }
    /// Whether the direction started without a SYN (mid-stream pickup).
    public func pickedUpMidStream(_ direction: Direction) -> Bool { self[direction].midStream }

    public mutating func receive(_ segment: TCPSegment, deliver: (StreamDelivery) -> Void) {
        let direction = segment.direction
        let limits = limits
        if segment.flags.contains(.rst), !self[direction].acceptsReset(at: segment.sequence, limits: limits) {
            // RFC 5961: a reset far from the expected sequence is not this connection's (or is forged).
            counters.ignoredResets += 1
            return
        }
        update(direction) { state, counters in
            state.absorb(segment, limits: limits, counters: &counters) {
                deliver(StreamDelivery(direction: direction, kind: $0, time: segment.time, frame: segment.frame))
            }
        }
        guard segment.flags.contains(.rst) else { return }
        flush(direction, close: true, time: segment.time, frame: segment.frame, deliver: deliver)
        flush(direction.reversed, close: true, time: segment.time, frame: segment.frame, deliver: deliver)
    }

    /// Delivers everything buffered (skipping holes as gaps) without ending
    /// the directions: for a caller over its global buffer budget.
    public mutating func releaseBuffers(deliver: (StreamDelivery) -> Void, time: Int64 = 0) {
        flush(.toServer, close: false, time: time, frame: 0, deliver: deliver)
        flush(.toClient, close: false, time: time, frame: 0, deliver: deliver)
    }

    /// The flow ended: both directions deliver what they hold, gaps for the rest, and end.
    public mutating func finish(deliver: (StreamDelivery) -> Void, time: Int64 = 0) {
        flush(.toServer, close: true, time: time, frame: 0, deliver: deliver)
        flush(.toClient, close: true, time: time, frame: 0, deliver: deliver)
    }

    private mutating func flush(_ side: Direction, close: Bool, time: Int64, frame: UInt64,
                                deliver: (StreamDelivery) -> Void) {
        let limits = limits
        update(side) { state, counters in
            state.flush(close: close, limits: limits, counters: &counters) {
                deliver(StreamDelivery(direction: side, kind: $0, time: time, frame: frame))
            }
        }
    }

    private subscript(direction: Direction) -> DirectionState { direction == .toServer ? toServer : toClient }

    /// Mutates one direction in place (no copy of its buffered pieces) with the counters beside it.
    private mutating func update(_ direction: Direction, _ body: (inout DirectionState, inout Counters) -> Void) {
        if direction == .toServer { body(&toServer, &counters) } else { body(&toClient, &counters) }
    }
}

/// Hands on one direction's deliveries, stamped with the segment that caused them
/// (non-escaping all the way down: nothing is allocated per segment).
typealias Emit = (StreamDelivery.Kind) -> Void

/// A copied out-of-order run of bytes at a stream offset, or a run known to
/// be missing (payload the capture cut off), delivered as a gap.
private struct Piece {
    var start: Int64
    var bytes: [UInt8]
    var missing: Int = 0
    var length: Int64 { Int64(bytes.isEmpty ? missing : bytes.count) }
    var end: Int64 { start + length }
}

private struct DirectionState {
    var started = false
    var midStream = false
    var closed = false
    /// The sequence number of the next expected byte, and its stream offset.
    var nextSequence: UInt32 = 0
    var offset: Int64 = 0
    var finOffset: Int64?
    /// Sorted, non-overlapping, all ending after `offset`.
    var pieces: [Piece] = []
    var bufferedBytes = 0
    /// The last bytes delivered (ending at `offset`), to compare retransmissions with.
    var recent: RecentBytes

    init(comparedBytes: Int) {
        recent = RecentBytes(limit: comparedBytes)
    }

    func streamOffset(of sequence: UInt32) -> Int64 {
        offset + Int64(Int32(bitPattern: sequence &- nextSequence))
    }

    func acceptsReset(at sequence: UInt32, limits: TCPStreamReassembler.Limits) -> Bool {
        guard started else { return true }
        return abs(streamOffset(of: sequence) - offset) <= limits.maxWindow
    }

    mutating func advance(by count: Int64) {
        offset += count
        nextSequence &+= UInt32(truncatingIfNeeded: count)
    }

    mutating func absorb(_ segment: TCPSegment, limits: TCPStreamReassembler.Limits,
                         counters: inout TCPStreamReassembler.Counters, emit: Emit) {
        let payload = segment.payload
        // No IP datagram carries more than 2^32 bytes: a larger claim is clamped, never trusted to overflow.
        let uncaptured = min(max(0, segment.uncapturedLength), Int(UInt32.max))
        let syn = segment.flags.contains(.syn), fin = segment.flags.contains(.fin)
        if closed {
            counters.droppedBytes += payload.count
            return
        }
        if !started {
            if syn {
                nextSequence = segment.sequence &+ 1
            } else if !payload.isEmpty || uncaptured > 0 || fin {
                nextSequence = segment.sequence
                midStream = true
            } else {
                return
            }
            started = true
        }
        let start = streamOffset(of: syn ? segment.sequence &+ 1 : segment.sequence)
        var end = start + Int64(payload.count + uncaptured)
        if end > start {
            if let finOffset, end > finOffset {
                counters.droppedBytes += Int(min(end - finOffset, Int64(payload.count)))
                end = max(finOffset, start)
            }
            let dataEnd = min(end, start + Int64(payload.count))
            if end <= offset || start < offset {
                compareRetransmission(payload, at: start, upTo: min(dataEnd, offset), counters: &counters)
            }
            if end <= offset {
                if end > start {
                    counters.retransmittedSegments += 1
                    counters.retransmittedBytes += Int(end - start)
                }
            } else if start - offset > limits.maxWindow {
                counters.outOfWindowSegments += 1
                counters.droppedBytes += payload.count
            } else {
                if start < offset {
                    counters.retransmittedSegments += 1
                    counters.retransmittedBytes += Int(offset - start)
                }
                let from = max(start, offset)
                let slice = from < dataEnd ? UnsafeRawBufferPointer(rebasing: payload[Int(from - start) ..< Int(dataEnd - start)]) : nil
                if from == offset && pieces.isEmpty {
                    if let slice {
                        emit(.data(slice))   // the common case: in order, no copy
                        recent.append(slice)
                        advance(by: Int64(slice.count))
                    }
                    if end > offset {
                        counters.uncapturedBytes += Int(end - offset)
                        reportGap(end - offset, counters: &counters, emit: emit)
                    }
                } else {
                    if let slice { insert(slice, length: slice.count, at: from, counters: &counters) }
                    let missingFrom = max(from, dataEnd)
                    if missingFrom < end {
                        counters.uncapturedBytes += Int(end - missingFrom)
                        insert(nil, length: Int(end - missingFrom), at: missingFrom, counters: &counters)
                    }
                }
            }
        }
        if fin, finOffset == nil, start - offset <= limits.maxWindow, end >= offset {
            finOffset = end
        }
        drain(limits: limits, counters: &counters, emit: emit)
        while bufferedBytes > limits.maxBufferedBytes || pieces.count > limits.maxBufferedPieces {
            counters.limitGaps += 1
            skipToFirstPiece(counters: &counters, emit: emit)
            drain(limits: limits, counters: &counters, emit: emit)
        }
    }

    /// Bytes resent over already delivered ones: a conflict when they differ
    /// from what is still remembered of them.
    func compareRetransmission(_ payload: UnsafeRawBufferPointer, at start: Int64, upTo end: Int64,
                               counters: inout TCPStreamReassembler.Counters) {
        let recentStart = offset - Int64(recent.count)
        let from = max(start, recentStart)
        guard from < end else { return }
        let new = UnsafeRawBufferPointer(rebasing: payload[Int(from - start) ..< Int(end - start)])
        if !recent.matches(new, at: Int(from - recentStart)) { counters.overlapConflicts += 1 }
    }

    /// Keeps only the parts of the new run no buffered piece covers (first
    /// seen wins). `bytes` nil: a run known to be missing.
    mutating func insert(_ bytes: UnsafeRawBufferPointer?, length: Int, at start: Int64,
                         counters: inout TCPStreamReassembler.Counters) {
        let end = start + Int64(length)
        var cursor = start
        var fresh: [Piece] = []
        var conflict = false
        func piece(_ from: Int64, _ to: Int64) -> Piece {
            guard let bytes else { return Piece(start: from, bytes: [], missing: Int(to - from)) }
            return Piece(start: from, bytes: Array(bytes[Int(from - start) ..< Int(to - start)]))
        }
        for old in pieces where old.end > cursor && old.start < end {
            if old.start > cursor { fresh.append(piece(cursor, old.start)) }
            let overlapStart = max(cursor, old.start), overlapEnd = min(end, old.end)
            counters.overlapBytes += Int(overlapEnd - overlapStart)
            if !conflict, let bytes, !old.bytes.isEmpty {
                let before = old.bytes[Int(overlapStart - old.start) ..< Int(overlapEnd - old.start)]
                conflict = !before.elementsEqual(bytes[Int(overlapStart - start) ..< Int(overlapEnd - start)])
            }
            cursor = max(cursor, old.end)
        }
        if cursor < end { fresh.append(piece(cursor, end)) }
        if conflict { counters.overlapConflicts += 1 }
        guard !fresh.isEmpty else { return }
        for piece in fresh { bufferedBytes += piece.bytes.count }
        pieces.append(contentsOf: fresh)
        pieces.sort { $0.start < $1.start }
    }

    /// Delivers the buffered pieces that now follow on, and ends the
    /// direction when its FIN is reached.
    mutating func drain(limits: TCPStreamReassembler.Limits, counters: inout TCPStreamReassembler.Counters,
                        emit: Emit) {
        while let first = pieces.first, first.start <= offset {
            pieces.removeFirst()
            bufferedBytes -= first.bytes.count
            let skip = offset - first.start
            guard skip < first.length else { continue }
            if first.bytes.isEmpty {
                reportGap(first.length - skip, counters: &counters, emit: emit)
                continue
            }
            first.bytes.withUnsafeBytes { all in
                let slice = UnsafeRawBufferPointer(rebasing: all[Int(skip)...])
                emit(.data(slice))
                recent.append(slice)
            }
            advance(by: first.length - skip)
        }
        if let finOffset, offset >= finOffset, !closed {
            close(counters: &counters)
            emit(.end)
        }
    }

    /// Ends the direction; anything still buffered (past its FIN) is dropped.
    mutating func close(counters: inout TCPStreamReassembler.Counters) {
        closed = true
        counters.droppedBytes += bufferedBytes
        pieces = []
        bufferedBytes = 0
        recent.release()
    }

    mutating func skipToFirstPiece(counters: inout TCPStreamReassembler.Counters, emit: Emit) {
        guard let first = pieces.first, first.start > offset else { return }
        reportGap(first.start - offset, counters: &counters, emit: emit)
    }

    mutating func reportGap(_ length: Int64, counters: inout TCPStreamReassembler.Counters, emit: Emit) {
        counters.gaps += 1
        counters.gapBytes += length
        recent.removeAll()
        emit(.gap(Int(clamping: length)))
        advance(by: length)
    }

    /// Delivers every buffered piece with gaps between; with `close`, also
    /// the missing bytes up to a known FIN, then ends the direction.
    mutating func flush(close: Bool, limits: TCPStreamReassembler.Limits, counters: inout TCPStreamReassembler.Counters, emit: Emit) {
        guard started, !closed else {
            if close, !closed { self.close(counters: &counters) }
            return
        }
        while !pieces.isEmpty {
            skipToFirstPiece(counters: &counters, emit: emit)
            drain(limits: limits, counters: &counters, emit: emit)
        }
        guard close, !closed else { return }
        if let finOffset, finOffset > offset { reportGap(finOffset - offset, counters: &counters, emit: emit) }
        self.close(counters: &counters)
        emit(.end)
    }
}
