import Dispatch
import Dissection
import Formats
import PcapStore
import PostgresClient
import QueryLanguage
import Wire

/// Stored packets as the packet index beside the pcap store holds them
/// (docs/DATA.md, "Packet index"): found through the committed runs of
/// `packet_runs`, read with `PacketIndexReader`, joined to their flows for
/// addresses and ids, in (capture, frame) order.
struct IndexedPackets {
    let connection: PostgresConnection
    let reader: PacketIndexReader

    /// Runs fetched per statement while paging.
    static let runsPerQuery = 256

    /// One committed run of index records.
    struct Run: Hashable {
        var capture: UInt64
        var firstFrame: UInt64
        var lastFrame: UInt64
        var segment: SegmentID
        var segmentRow: Int64
        var firstRecord: UInt64
        var records: UInt64

        /// The run in stretches of at most `pieceRecords` records, read
        /// one at a time: a whole run's packets at once (~1 MB for 4,000)
        /// took a fresh mapping, and a page fault per 4 KiB, for every run.
        var pieces: [Run] {
            stride(from: UInt64(0), to: records, by: IndexedPackets.pieceRecords).map { offset in
                var piece = self
                piece.firstRecord = firstRecord + offset
                piece.records = Swift.min(UInt64(IndexedPackets.pieceRecords), records - offset)
                return piece
            }
        }
    }

    static let pieceRecords = 512

    /// Where a packet's index entry lies: its capture, its segment (and the
    /// segment's row in `segments`) and its record number in the index.
    struct Place: Hashable {
        var capture: UInt64
        var segment: SegmentID
        var segmentRow: Int64
        var record: UInt64
    }

    /// A stored packet: where its index entry lies, and the entry.
    struct Stored: Hashable {
        var place: Place
        var entry: PacketIndexEntry

        var capture: UInt64 { place.capture }
        var segment: SegmentID { place.segment }
        var key: PacketKey { PacketKey(capture: capture, frame: entry.frameNumber) }
    }

    struct PacketKey: Hashable, Comparable {
        var capture: UInt64
        var frame: UInt64

        static func < (a: PacketKey, b: PacketKey) -> Bool { (a.capture, a.frame) < (b.capture, b.frame) }
    }

    /// Which packets a page reads: after a (capture, frame) cursor, inside
    /// a window, of some captures only (nil: all).
    struct Scope {
        var after = PacketKey(capture: 0, frame: 0)
        var window = TimeWindow()
        var captures: [UInt64]?
        /// Only the packets of these flows, except in `unscoped` captures
        /// (nil: of every flow). Records of other flows are skipped unread.
        var flowKeys: Set<UInt64>?
        var unscoped: Set<UInt64> = []
        /// Whether a run may hold a packet the reader wants (nil: every
        /// run may); runs it rules out are not read.
        var mayHold: ((Run) -> Bool)?
        /// Only runs that reach this frame or this time (a flow's first
        /// frame, and its start less the fragments it may have taken in).
        var reaching: (frame: UInt64, time: Int64)?
    }

    /// Up to `limit` packets in (capture, frame) order that `accept` keeps.
    /// `accept` sees each run's packets in the scope (in file order) and
    /// says which it keeps. Runs of one capture overlap in frame numbers
    /// (decoders commit out of order), so a packet is final only once
    /// every run that starts below it has been read. `checking` is called
    /// before each `runsPerQuery` runs are fetched, and may throw to stop.
    /// The next piece of a run is read and decoded on another thread while
    /// `accept` tests this one (`readingAhead`).
    func page(_ scope: Scope, limit: Int, checking: () throws -> Void = {},
              accept: ([Stored]) throws -> [Bool]) throws -> [Stored] {
        var out: [Stored] = []
        var pending: [Stored] = []
        var cursor: (capture: UInt64, frame: UInt64, segment: Int64, record: UInt64)?
        func settle(below bound: PacketKey?) {
            pending.sort { $0.key < $1.key }
            let final = bound.map { b in pending.prefix { $0.key < b }.count } ?? pending.count
            out += pending[..<final]
            pending.removeFirst(final)
        }
        while out.count < limit {
            try checking()
            let runs = try self.runs(scope, after: cursor)
            // Every packet of a run is at or above its first frame: settling
            // below it at each of its pieces moves only earlier runs' packets.
            try readingAhead(runs, in: scope) { piece, found in
                settle(below: PacketKey(capture: piece.capture, frame: piece.firstFrame))
                if out.count >= limit { return false }
                if !found.isEmpty {
                    let kept = try accept(found)
                    pending += zip(found, kept).compactMap { $1 ? $0 : nil }
                }
                return true
            }
            if out.count >= limit { return Array(out.prefix(limit)) }
            guard let last = runs.last, runs.count == Self.runsPerQuery else { break }
            cursor = (last.capture, last.firstFrame, last.segmentRow, last.firstRecord)
        }
        settle(below: nil)
        return Array(out.prefix(limit))
    }

    /// Every packet in the scope, a piece of a run at a time, in no
    /// particular order across runs; read ahead like `page`.
    func scan(_ scope: Scope, _ body: ([Stored]) throws -> Void) throws {
        var cursor: (capture: UInt64, frame: UInt64, segment: Int64, record: UInt64)?
        while true {
            let runs = try self.runs(scope, after: cursor)
            try readingAhead(runs, in: scope) { _, found in
                if !found.isEmpty { try body(found) }
                return true
            }
            guard let last = runs.last, runs.count == Self.runsPerQuery else { return }
            cursor = (last.capture, last.firstFrame, last.segmentRow, last.firstRecord)
        }
    }

    /// Calls `body` with each piece of the runs the scope may hold packets
    /// of (`mayHold`) and the piece's packets in the scope, in order, until
    /// it returns false. Unless the scope names its flows, the next piece
    /// is read and decoded on another thread meanwhile: a scan's decoding
    /// and its tests run in parallel, bounded at one piece (`pieceRecords`
    /// records) ahead. A read scoped to flows skips the others' records
    /// undecoded, and a hop to another thread per piece cost it more
    /// (by IP as packets over 10 M packets: 40 → 60 ms) than it gained.
    func readingAhead(_ runs: [Run], in scope: Scope,
                      _ body: (Run, [Stored]) throws -> Bool) throws {
        let pieces = runs.filter { scope.mayHold?($0) ?? true }.flatMap(\.pieces)
        guard !pieces.isEmpty else { return }
        let read = PieceRead(reader: reader, after: scope.after, window: scope.window, flowKeys: scope.flowKeys,
                             unscoped: scope.unscoped)
        guard scope.flowKeys == nil else {
            for piece in pieces { guard try body(piece, try read(piece)) else { return } }
            return
        }
        let queue = DispatchQueue(label: "netsift.search.read-ahead")
        var next: ReadAhead? = ReadAhead(pieces[0], read, on: queue)
        for index in pieces.indices {
            guard let current = next else { break }
            next = index + 1 < pieces.count ? ReadAhead(pieces[index + 1], read, on: queue) : nil
            guard try body(pieces[index], try current.result()) else { return }
        }
    }

    /// What reading a piece needs, without the scope's closure.
    struct PieceRead: Sendable {
        let reader: PacketIndexReader
        let after: PacketKey
        let window: TimeWindow
        let flowKeys: Set<UInt64>?
        let unscoped: Set<UInt64>

        /// The piece's packets after the cursor, in the window, of the flows.
        func callAsFunction(_ piece: Run) throws -> [Stored] {
            var out: [Stored] = []
            let keys = unscoped.contains(piece.capture) ? nil : flowKeys
            if keys == nil { out.reserveCapacity(Int(clamping: piece.records)) }
            try reader.scan(piece.segment, records: piece.firstRecord ..< piece.firstRecord + piece.records,
                            flowKeys: keys) { record, entry in
                let stored = Stored(place: Place(capture: piece.capture, segment: piece.segment,
                                                 segmentRow: piece.segmentRow, record: record), entry: entry)
                if stored.key > after && window.contains(entry.timestamp) { out.append(stored) }
            }
            return out
        }
    }

    /// One piece being read on the read-ahead queue; `result` waits for it.
    final class ReadAhead: @unchecked Sendable {
        // Written on the queue before `done` is signalled, read after the wait.
        private var outcome: Result<[Stored], any Error> = .success([])
        private let done = DispatchSemaphore(value: 0)

        init(_ piece: Run, _ read: PieceRead, on queue: DispatchQueue) {
            queue.async { [self] in
                outcome = Result { try read(piece) }
                done.signal()
            }
        }

        func result() throws -> [Stored] {
            done.wait()
            return try outcome.get()
        }
    }

    /// The runs that may hold packets of the scope after `cursor` (capture,
    /// first frame, segment row, first record), in that order.
    func runs(_ scope: Scope, after cursor: (capture: UInt64, frame: UInt64, segment: Int64, record: UInt64)?) throws -> [Run] {
        var values: [(any PostgresParameter)?] = [Int64(clamping: scope.after.capture), Int64(clamping: scope.after.frame)]
        var tests = ["(r.capture_id > $1 OR (r.capture_id = $1 AND r.last_frame > $2))"]
        if let cursor {
            values += [Int64(clamping: cursor.capture), Int64(clamping: cursor.frame), cursor.segment,
                       Int64(clamping: cursor.record)]
            tests.append("(r.capture_id, r.first_frame, r.segment_id, r.first_record) > ($3, $4, $5, $6)")
        }
        if let start = scope.window.start {
            values.append(start)
            tests.append("r.end_ns >= $\(values.count)")
        }
        if let end = scope.window.end {
            values.append(end)
            tests.append("r.start_ns < $\(values.count)")
        }
        if let captures = scope.captures {
            values.append("{" + captures.map(String.init).joined(separator: ",") + "}")
            tests.append("r.capture_id = ANY($\(values.count)::bigint[])")
        }
        if let reaching = scope.reaching {
            values += [Int64(clamping: reaching.frame), reaching.time]
            tests.append("(r.last_frame >= $\(values.count - 1) OR r.end_ns >= $\(values.count))")
        }
        let result = try connection.query("""
            SELECT r.capture_id, r.first_frame, s.path, r.segment_id, r.first_record, r.records, r.last_frame
            FROM packet_runs r JOIN segments s ON s.id = r.segment_id
            WHERE \(tests.joined(separator: " AND "))
            ORDER BY r.capture_id, r.first_frame, r.segment_id, r.first_record LIMIT \(Self.runsPerQuery)
            """, values)
        return result.rows.indices.compactMap { index in
            guard let row = result.row(index), let capture = row.int64(0), let frame = row.int64(1),
                  let segment = row.string(2).flatMap(SegmentID.init(relativePath:)), let segmentRow = row.int64(3),
                  let first = row.int64(4), let records = row.int64(5), let last = row.int64(6) else { return nil }
            return Run(capture: UInt64(clamping: capture), firstFrame: UInt64(clamping: frame),
                       lastFrame: UInt64(clamping: last), segment: segment,
                       segmentRow: segmentRow, firstRecord: UInt64(clamping: first), records: UInt64(clamping: records))
        }
    }

    /// How many of a capture's stored frames are numbered `frame` or below.
    func count(capture: UInt64, through frame: UInt64) throws -> UInt64 {
        let id = Int64(clamping: capture), bound = Int64(clamping: frame)
        let below = try connection.query(
            "SELECT coalesce(sum(records), 0) FROM packet_runs WHERE capture_id = $1 AND last_frame <= $2",
            [id, bound]).row(0)?.int64(0) ?? 0
        // Runs that straddle the frame: read, and count what is at or below it.
        let straddling = try connection.query("""
            SELECT s.path, r.first_record, r.records FROM packet_runs r JOIN segments s ON s.id = r.segment_id
            WHERE r.capture_id = $1 AND r.first_frame <= $2 AND r.last_frame > $2
            """, [id, bound])
        var counted = UInt64(clamping: below)
        for index in straddling.rows.indices {
            guard let row = straddling.row(index), let segment = row.string(0).flatMap(SegmentID.init(relativePath:)),
                  let first = row.int64(1).map(UInt64.init(clamping:)), let records = row.int64(2) else { continue }
            let entries = try reader.entries(of: segment, records: first ..< first + UInt64(clamping: records))
            counted += UInt64(entries.count { $0.frameNumber <= frame })
        }
        return counted
    }

    /// The highest frame below which every frame of the capture is stored
    /// (0 when frame 1 is not): the last of the run ends whose count of
    /// stored frames equals them (a prefix is whole exactly when it counts
    /// its own length), then the first gap past it.
    func settledFrame(capture: UInt64) throws -> UInt64 {
        let id = Int64(clamping: capture)
        let result = try connection.query(
            "SELECT DISTINCT last_frame FROM packet_runs WHERE capture_id = $1 ORDER BY 1", [id])
        let ends = result.rows.indices.compactMap { result.row($0)?.int64(0).map(UInt64.init(clamping:)) }
        var low = 0, high = ends.count
        while low < high {
            let middle = (low + high) / 2
            if try count(capture: capture, through: ends[middle]) == ends[middle] { low = middle + 1 } else { high = middle }
        }
        let whole = low > 0 ? ends[low - 1] : 0
        guard low < ends.count else { return whole }
        let broken = ends[low]
        let runs = try connection.query("""
            SELECT s.path, r.first_record, r.records FROM packet_runs r JOIN segments s ON s.id = r.segment_id
            WHERE r.capture_id = $1 AND r.first_frame <= $2 AND r.last_frame > $3
            """, [id, Int64(clamping: broken), Int64(clamping: whole)])
        var frames = Set<UInt64>()
        for index in runs.rows.indices {
            guard let row = runs.row(index), let segment = row.string(0).flatMap(SegmentID.init(relativePath:)),
                  let first = row.int64(1).map(UInt64.init(clamping:)), let records = row.int64(2) else { continue }
            for entry in try reader.entries(of: segment, records: first ..< first + UInt64(clamping: records))
            where entry.frameNumber > whole && entry.frameNumber <= broken {
                frames.insert(entry.frameNumber)
            }
        }
        var settled = whole
        while frames.contains(settled + 1) { settled += 1 }
        return settled
    }

    /// The packets whose entries lie at `places`, in that order; each
    /// stretch of consecutive records of one segment is read at once.
    func stored(at places: [Place]) throws -> [Stored] {
        var out: [Stored] = []
        var start = places.startIndex
        while start < places.endIndex {
            var end = start + 1
            while end < places.endIndex, places[end].segmentRow == places[start].segmentRow,
                  places[end].record == places[end - 1].record + 1 { end += 1 }
            let first = places[start].record
            let entries = try reader.entries(of: places[start].segment, records: first ..< first + UInt64(end - start))
            out += zip(places[start ..< end], entries).map { Stored(place: $0, entry: $1) }
            start = end
        }
        return out
    }
}

/// What a packet takes from its flow: the API id, and the answers of a
/// packets query's flow tests.
struct FlowFacts: Hashable {
    var id: UInt64
    var tests: [Bool]
}

extension IndexedPackets {
    /// The flows of `keys` in one capture, with `tests` (conditions on
    /// `flows f` whose placeholders start at `$3`) answered for each.
    func flows(capture: UInt64, keys: some Collection<UInt64>, tests: SQLConditions? = nil) throws -> [UInt64: FlowFacts] {
        guard !keys.isEmpty else { return [:] }
        let columns = (tests?.texts ?? []).map { "COALESCE((\($0)), false)" }
        let result = try connection.query("""
            SELECT f.flow_key, f.id\(columns.map { ", " + $0 }.joined())
            FROM flows f WHERE f.capture_id = $1 AND f.flow_key = ANY($2::bigint[])
            """, [Int64(clamping: capture), "{" + keys.map { String(Int64(bitPattern: $0)) }.joined(separator: ",") + "}"]
                + (try values(tests?.parameters ?? [])))
        var flows: [UInt64: FlowFacts] = [:]
        for index in result.rows.indices {
            guard let row = result.row(index), let key = row.int64(0), let id = row.int64(1) else { continue }
            flows[UInt64(bitPattern: key)] = FlowFacts(id: UInt64(clamping: id),
                                                       tests: columns.indices.map { row.string(2 + $0) == "t" })
        }
        return flows
    }

    /// The API's PACKET of a stored packet and its flow.
    static func packet(_ stored: Stored, flow: FlowFacts?) -> QueryMessage.Packet {
        let entry = stored.entry
        let l = entry.layers
        let layers = [Int(stored.segment.key.linkType.rawValue), Int(l.l2Length), Int(l.l3Type), Int(l.l3Offset),
                      Int(l.l3Length), Int(l.l4Type), Int(l.l4Offset), Int(l.l4Length), Int(l.l5Offset), Int(l.l5Length)]
        return QueryMessage.Packet(
            frame: entry.frameNumber, time: entry.timestamp, capturedLength: Int(entry.capturedLength),
            wireLength: Int(entry.wireLength), flowID: flow?.id, source: entry.source.map(\.description),
            destination: entry.destination.map(\.description),
            sourcePort: entry.sourcePort.map(Int.init), destinationPort: entry.destinationPort.map(Int.init),
            layers: layers, anomalies: entry.anomalies,
            position: QueryMessage.StoredPosition(segment: stored.segment.relativePath, offset: entry.offset,
                                                  length: entry.capturedLength + 16))
    }

    /// The query's facts of a stored packet.
    static func facts(_ stored: Stored) -> PacketFacts {
        let entry = stored.entry
        return PacketFacts(
            captureID: stored.capture, frameNumber: entry.frameNumber, capturedLength: entry.capturedLength,
            wireLength: entry.wireLength, etherType: entry.layers.l3Type, transport: entry.layers.l4Type,
            sourcePort: entry.sourcePort, destinationPort: entry.destinationPort, vlans: entry.vlans,
            source: entry.source, destination: entry.destination)
    }
}

extension TimeWindow {
    func contains(_ time: Int64) -> Bool {
        (start.map { time >= $0 } ?? true) && (end.map { time < $0 } ?? true)
    }
}
