import Formats
import Foundation
import PostgresClient
import QueryLanguage
import Wire

/// Downloads: a capture's, a flow's or a search result's frames, planned
/// and then paged, read from the packet index.
extension SearchEngine {
    func exportPlan(_ target: QueryMessage.ExportTarget) throws -> QueryMessage.ExportPlan? {
        switch target {
        case .scope(.capture(let id)):
            guard let capture = try connection.query(
                "SELECT packets, status FROM captures WHERE id = $1", [Int64(clamping: id)]).row(0),
                let packets = capture.int64(0) else { return nil }
            let types = try connection.query(
                "SELECT linktype FROM segments WHERE capture_id = $1 GROUP BY linktype ORDER BY min(id)",
                [Int64(clamping: id)])
            let sizes = capture.string(1) == "complete" ? try captureSizes(id) : nil
            return QueryMessage.ExportPlan(linkTypes: Self.linkTypes(types),
                                           packets: UInt64(clamping: packets), fixedFrames: sizes)
        case .scope(.flow(let id)):
            guard let flow = try flowPackets(id) else { return nil }
            var types = LinkTypeOrder(), sum = FrameSizeSum()
            try packets.scan(flow.scope) { chunk in
                let mine = chunk.filter(flow.holds)
                types.add(mine)
                sum.add(mine)
            }
            return QueryMessage.ExportPlan(linkTypes: types.ordered, packets: UInt64(clamping: flow.packets),
                                           fixedFrames: flow.complete ? sum.sizes : nil)
        case .search(let request):
            // The whole result now, kept for the pages to come, when it is small enough to keep.
            let now = ContinuousClock.now
            if !Self.exportResults.update({ $0.isTooLarge(request, now: now) }) {
                guard let frames = try evaluateExport(request, after: .start, now: now) else { return nil }
                if frames.count <= ExportResults.maxFramesPerResult {
                    var types: [UInt32] = []
                    for frame in frames where !types.contains(frame.linkType) { types.append(frame.linkType) }
                    return QueryMessage.ExportPlan(linkTypes: types, packets: UInt64(frames.count))
                }
            }
            return try searchExportPlan(request)
        }
    }

    /// A complete capture's frame sizes: read from its index once per set of runs.
    private func captureSizes(_ id: UInt64) throws -> QueryMessage.FrameSizes {
        let runs = try connection.query(
            "SELECT count(*), coalesce(sum(records), 0) FROM packet_runs WHERE capture_id = $1", [Int64(clamping: id)]).row(0)
        let key = CaptureRuns(capture: id, runs: runs?.int64(0) ?? 0, records: runs?.int64(1) ?? 0)
        if let known = Self.captureSizes.get()[key] { return known }
        var sum = FrameSizeSum()
        try packets.scan(IndexedPackets.Scope(captures: [id])) { sum.add($0) }
        Self.captureSizes.update { sizes in
            if sizes.count >= Self.maxCaptureSizes { sizes.removeAll() }
            sizes[key] = sum.sizes
        }
        return sum.sizes
    }

    static func linkTypes(_ result: PostgresResult) -> [UInt32] {
        result.rows.indices.compactMap { result.row($0)?.int64(0).map { UInt32(clamping: $0) } }
    }

    func exportFrames(_ target: QueryMessage.ExportTarget, after: QueryMessage.ExportCursor,
                      limit: Int) throws -> [QueryMessage.ExportFrame] {
        let limit = max(1, min(limit, Self.maxExportFrames))
        switch target {
        case .scope(.capture(let id)):
            let scope = IndexedPackets.Scope(after: .init(capture: id, frame: after.frame), captures: [id])
            return try packets.page(scope, limit: limit) { $0.map { _ in true } }.map(\.exportFrame)
        case .scope(.flow(let id)):
            guard let flow = try flowPackets(id) else { return [] }
            var scope = flow.scope
            scope.after = .init(capture: flow.capture, frame: after.frame)
            return try packets.page(scope, limit: limit) { $0.map(flow.holds) }.map(\.exportFrame)
        case .search(let request):
            let now = ContinuousClock.now
            let kept = Self.exportResults.update { $0.page(request, after: after, limit: limit, now: now) }
            if let kept { return kept }
            if Self.exportResults.update({ $0.isTooLarge(request, now: now) }) {
                return try searchExportFrames(request, after: after, limit: limit) ?? []
            }
            return Array((try evaluateExport(request, after: after, now: now) ?? []).prefix(limit))
        }
    }

    /// A search export's frames after `after`, evaluated whole (up to what
    /// `ExportResults` keeps, plus one) and kept, so the next pages need no
    /// query; nil when the query does not compile.
    private func evaluateExport(_ request: QueryMessage.SearchRequest, after: QueryMessage.ExportCursor,
                                now: ContinuousClock.Instant) throws -> [QueryMessage.ExportFrame]? {
        guard let frames = try searchExportFrames(request, after: after, limit: ExportResults.maxFramesPerResult + 1)
        else { return nil }
        Self.exportResults.update { $0.keep(frames, for: request, after: after, now: now) }
        return frames
    }

    /// The flow's stored packets, or nil for an unknown flow. (Ids are
    /// unique; more than one row would be an error.)
    private func flowPackets(_ id: UInt64) throws -> FlowPackets? {
        try FlowPackets.select("""
            SELECT f.capture_id, f.flow_key, f.first_frame, f.start_ns, f.end_ns, c.status = 'complete',
                   f.src_packets + f.dst_packets
            FROM flows f JOIN captures c ON c.id = f.capture_id WHERE f.id = $1
            """, [Int64(clamping: id)], limit: 1, on: connection).first
    }
}

/// Exports of a search's result: its packets, or every packet of the flows it found.
extension SearchEngine {
    /// What a search's file holds, in the index's terms.
    enum ExportSource {
        /// The packets a packets search finds.
        case packets(PacketSearch)
        /// Every packet of the flows a flows or events search finds.
        case flows([FlowPackets])
    }

    /// Most flows a flows or events search's file may hold.
    static let maxExportFlows = 1_000_000

    /// Nil when the query does not compile (the gateway checks it first) or names no dataset.
    func exportSource(_ request: QueryMessage.SearchRequest) throws -> ExportSource? {
        guard let target = request.queryTarget,
              let (expression, condition) = try? request.compiled(for: target, firstParameter: 1) else {
            return nil
        }
        let flows: String
        switch target {
        case .packets:
            return (try? indexedSearch(expression, request: request, limit: 0)).map(ExportSource.packets)
        case .flows:
            flows = "flows f"
        case .events(let table):
            flows = Self.eventsWithFlows(table)
        }
        return .flows(try FlowPackets.select("""
            SELECT DISTINCT f.capture_id, f.flow_key, f.first_frame, f.start_ns, f.end_ns, c.status = 'complete',
                   f.src_packets + f.dst_packets
            FROM \(flows) JOIN captures c ON c.id = f.capture_id WHERE \(condition.text)
            """, try packets.values(condition.parameters), limit: Self.maxExportFlows, on: connection))
    }

    /// Every stored packet of the source, a run's packets at a time.
    func scan(_ source: ExportSource, _ body: ([IndexedPackets.Stored]) throws -> Void) throws {
        switch source {
        case .packets(let search):
            var matcher = try PacketMatcher(search.query, expression: search.expression, scope: search.scope,
                                            packets: packets)
            try packets.scan(matcher.scope) { chunk in
                let kept = try matcher.accept(chunk)
                try body(zip(chunk, kept).compactMap { $1 ? $0 : nil })
            }
        case .flows(let flows):
            for capture in FlowPackets.byCapture(flows) {
                try packets.scan(capture.scope) { try body($0.filter(capture.holds)) }
            }
        }
    }

    /// The result's link types in order of first appearance, and its packets (one pass over them).
    func searchExportPlan(_ request: QueryMessage.SearchRequest) throws -> QueryMessage.ExportPlan? {
        guard let source = try exportSource(request) else { return nil }
        var types = LinkTypeOrder(), count: UInt64 = 0
        try scan(source) { chunk in
            types.add(chunk)
            count += UInt64(chunk.count)
        }
        return QueryMessage.ExportPlan(linkTypes: types.ordered, packets: count)
    }

    /// The result's first `limit` stored frames after the cursor, in time
    /// order across captures (the file's); nil when the query does not compile.
    func searchExportFrames(_ request: QueryMessage.SearchRequest, after: QueryMessage.ExportCursor,
                            limit: Int) throws -> [QueryMessage.ExportFrame]? {
        guard let source = try exportSource(request) else { return nil }
        var first = FirstFrames(after: after, limit: limit)
        try scan(source) { first.add($0) }
        return first.frames
    }
}

/// The stored packets of some flows of one capture: those filed under
/// their keys, in the runs that reach the flows' first frames (or, for
/// fragments filed later, their start less twice the reassembly timeout)
/// and, once the capture is complete, start before their last packet.
struct FlowPackets {
    var capture: UInt64
    var keys: Set<UInt64>
    var firstFrame: UInt64
    var start: Int64
    var end: Int64
    var complete: Bool
    /// What the flows rows count.
    var packets: Int64

    static let fragmentSlack: Int64 = 60_000_000_000

    var scope: IndexedPackets.Scope {
        var scope = IndexedPackets.Scope(window: complete ? TimeWindow(start: nil, end: end &+ 1) : TimeWindow(),
                                         captures: [capture], reaching: (firstFrame, start &- Self.fragmentSlack))
        scope.flowKeys = keys
        return scope
    }

    func holds(_ stored: IndexedPackets.Stored) -> Bool {
        stored.entry.flowKey.map(keys.contains) ?? false
    }

    /// One capture's flows, merged.
    static func byCapture(_ flows: [FlowPackets]) -> [FlowPackets] {
        Dictionary(grouping: flows, by: \.capture).values.compactMap { group in
            group.dropFirst().reduce(group.first) { merged, flow in
                merged.map { m in
                    FlowPackets(capture: m.capture, keys: m.keys.union(flow.keys),
                                firstFrame: min(m.firstFrame, flow.firstFrame), start: min(m.start, flow.start),
                                end: max(m.end, flow.end), complete: m.complete, packets: m.packets + flow.packets)
                }
            }
        }.sorted { $0.capture < $1.capture }
    }

    /// The flows of a statement's rows: capture, key, first frame, start,
    /// end, capture complete, packets. More than `limit` rows is an error.
    static func select(_ sql: String, _ values: [(any PostgresParameter)?], limit: Int,
                       on connection: PostgresConnection) throws -> [FlowPackets] {
        let result = try connection.query("\(sql) LIMIT \(limit + 1)", values)
        guard result.rows.count <= limit else { throw ExportError.tooManyFlows(limit) }
        return result.rows.indices.compactMap { index in
            guard let row = result.row(index), let capture = row.int64(0), let key = row.int64(1),
                  let first = row.int64(2), let start = row.int64(3), let end = row.int64(4) else { return nil }
            return FlowPackets(capture: UInt64(clamping: capture), keys: [UInt64(bitPattern: key)],
                               firstFrame: UInt64(clamping: first), start: start, end: end,
                               complete: row.bool(5) == true, packets: row.int64(6) ?? 0)
        }
    }
}

enum ExportError: Error, CustomStringConvertible {
    case tooManyFlows(Int)

    var description: String {
        switch self {
        case .tooManyFlows(let limit):
            "the search finds more than \(limit) flows: narrow it (a time window, an address) to download its packets"
        }
    }
}

/// The first `limit` frames after a cursor in the file's order (time,
/// capture, frame), from packets seen in any order.
struct FirstFrames {
    let after: QueryMessage.ExportCursor
    let limit: Int
    private var held: [QueryMessage.ExportFrame] = []

    init(after: QueryMessage.ExportCursor, limit: Int) {
        self.after = after
        self.limit = max(1, limit)
    }

    mutating func add(_ chunk: [IndexedPackets.Stored]) {
        for stored in chunk {
            let frame = stored.exportFrame
            if ExportResults.precedes(after, frame.cursor) { held.append(frame) }
        }
        if held.count >= 2 * limit { trim() }
    }

    var frames: [QueryMessage.ExportFrame] {
        var copy = self
        copy.trim()
        return copy.held
    }

    private mutating func trim() {
        held.sort { ExportResults.precedes($0.cursor, $1.cursor) }
        if held.count > limit { held.removeLast(held.count - limit) }
    }
}

/// Link types in the order of the earliest frame (time, capture, frame) of each.
struct LinkTypeOrder {
    private var earliest: [UInt32: QueryMessage.ExportCursor] = [:]

    mutating func add(_ chunk: [IndexedPackets.Stored]) {
        for stored in chunk {
            let frame = stored.exportFrame
            if earliest[frame.linkType].map({ ExportResults.precedes(frame.cursor, $0) }) ?? true {
                earliest[frame.linkType] = frame.cursor
            }
        }
    }

    var ordered: [UInt32] {
        earliest.sorted { ExportResults.precedes($0.value, $1.value) }.map(\.key)
    }
}

/// A capture's committed runs, as far as a download's size depends on them.
struct CaptureRuns: Hashable {
    var capture: UInt64
    var runs: Int64
    var records: Int64
}

/// What a file of some stored frames needs to know its length.
struct FrameSizeSum {
    private(set) var frames: UInt64 = 0
    private(set) var captured: UInt64 = 0
    private(set) var padded: UInt64 = 0

    mutating func add(_ chunk: [IndexedPackets.Stored]) {
        for stored in chunk {
            let length = UInt64(stored.entry.capturedLength)
            frames += 1
            captured += length
            padded += (length + 3) / 4 * 4
        }
    }

    var sizes: QueryMessage.FrameSizes {
        QueryMessage.FrameSizes(frames: frames, capturedBytes: captured, paddedBytes: padded)
    }
}

extension IndexedPackets.Stored {
    var exportFrame: QueryMessage.ExportFrame {
        QueryMessage.ExportFrame(
            capture: capture, frame: entry.frameNumber, time: entry.timestamp,
            linkType: UInt32(segment.key.linkType.rawValue),
            position: QueryMessage.StoredPosition(segment: segment.relativePath, offset: entry.offset,
                                                  length: entry.capturedLength + 16))
    }
}
