import Formats
import Foundation
import PostgresClient
import Wire

/// Downloads: a capture's, a flow's or a search result's frames, planned and then paged.
extension SearchEngine {
    /// The flow's key and capture, which its packets are filed under.
    private func flowKey(_ id: UInt64) throws -> (key: Int64, capture: Int64, packets: Int64)? {
        guard let row = try connection.query(
            "SELECT flow_key, capture_id, src_packets + dst_packets FROM flows WHERE id = $1 LIMIT 1",
            [Int64(clamping: id)]).row(0),
            let key = row.int64(0), let capture = row.int64(1) else { return nil }
        return (key, capture, row.int64(2) ?? 0)
    }

    func exportPlan(_ target: QueryMessage.ExportTarget) throws -> QueryMessage.ExportPlan? {
        switch target {
        case .scope(.capture(let id)):
            guard let capture = try connection.query(
                "SELECT packets, status FROM captures WHERE id = $1", [Int64(clamping: id)]).row(0),
                let packets = capture.int64(0) else { return nil }
            let types = try connection.query(
                "SELECT linktype FROM segments WHERE capture_id = $1 GROUP BY linktype ORDER BY min(id)",
                [Int64(clamping: id)])
            let sizes = capture.string(1) == "complete"
                ? try frameSizes("p.capture_id = $1", [Int64(clamping: id)]) : nil
            return QueryMessage.ExportPlan(linkTypes: Self.linkTypes(types),
                                           packets: UInt64(clamping: packets), fixedFrames: sizes)
        case .scope(.flow(let id)):
            guard let flow = try flowKey(id) else { return nil }
            let types = try connection.query("""
                SELECT s.linktype FROM packets p JOIN segments s ON s.id = p.segment_id
                WHERE p.flow_key = $1 AND p.capture_id = $2 GROUP BY s.linktype ORDER BY min(p.frame_number)
                """, [flow.key, flow.capture])
            let complete = try connection.query("SELECT status FROM captures WHERE id = $1", [flow.capture])
                .row(0)?.string(0) == "complete"
            let sizes = complete
                ? try frameSizes("p.flow_key = $1 AND p.capture_id = $2", [flow.key, flow.capture]) : nil
            return QueryMessage.ExportPlan(linkTypes: Self.linkTypes(types),
                                           packets: UInt64(clamping: flow.packets), fixedFrames: sizes)
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

    /// The sizes of the stored frames `condition` selects (the frames a download lists).
    private func frameSizes(_ condition: String, _ values: [(any PostgresParameter)?]) throws -> QueryMessage.FrameSizes? {
        guard let row = try connection.query("""
            SELECT count(*), COALESCE(sum(p.caplen), 0), COALESCE(sum((p.caplen + 3) / 4 * 4), 0)
            FROM packets p JOIN segments s ON s.id = p.segment_id WHERE \(condition)
            """, values).row(0), let frames = row.int64(0), let captured = row.int64(1), let padded = row.int64(2)
        else { return nil }
        return QueryMessage.FrameSizes(frames: UInt64(clamping: frames), capturedBytes: UInt64(clamping: captured),
                                       paddedBytes: UInt64(clamping: padded))
    }

    static func linkTypes(_ result: PostgresResult) -> [UInt32] {
        result.rows.indices.compactMap { result.row($0)?.int64(0).map { UInt32(clamping: $0) } }
    }

    /// The flow download's query, for the EXPLAIN test: `$1` flow key,
    /// `$2` capture, `$3` frame cursor, `$4` limit.
    public static let flowFramesSQL = """
        SELECT p.capture_id, p.frame_number, p.ts_ns, s.linktype, s.path, p.segment_offset, p.caplen
        FROM packets p JOIN segments s ON s.id = p.segment_id
        WHERE p.flow_key = $1 AND p.capture_id = $2 AND p.frame_number > $3
        ORDER BY p.frame_number LIMIT $4
        """

    func exportFrames(_ target: QueryMessage.ExportTarget, after: QueryMessage.ExportCursor,
                      limit: Int) throws -> [QueryMessage.ExportFrame] {
        let limit = max(1, min(limit, Self.maxExportFrames))
        let result: PostgresResult
        switch target {
        case .scope(.capture(let id)):
            result = try connection.query("""
                SELECT p.capture_id, p.frame_number, p.ts_ns, s.linktype, s.path, p.segment_offset, p.caplen
                FROM packets p JOIN segments s ON s.id = p.segment_id
                WHERE p.capture_id = $1 AND p.frame_number > $2
                ORDER BY p.frame_number LIMIT $3
                """, [Int64(clamping: id), Int64(clamping: after.frame), limit])
        case .scope(.flow(let id)):
            guard let flow = try flowKey(id) else { return [] }
            result = try connection.query(Self.flowFramesSQL, [flow.key, flow.capture, Int64(clamping: after.frame), limit])
        case .search(let request):
            let now = ContinuousClock.now
            let kept = Self.exportResults.update { $0.page(request, after: after, limit: limit, now: now) }
            if let kept { return kept }
            if Self.exportResults.update({ $0.isTooLarge(request, now: now) }) {
                guard let found = try searchExportFrames(request, after: after, limit: limit) else { return [] }
                result = found
            } else {
                return Array((try evaluateExport(request, after: after, now: now) ?? []).prefix(limit))
            }
        }
        return Self.exportFrames(result)
    }

    /// A search export's frames after `after`, evaluated whole (up to what
    /// `ExportResults` keeps, plus one) and kept, so the next pages need no
    /// query; nil when the query does not compile.
    private func evaluateExport(_ request: QueryMessage.SearchRequest, after: QueryMessage.ExportCursor,
                                now: ContinuousClock.Instant) throws -> [QueryMessage.ExportFrame]? {
        guard let found = try searchExportFrames(request, after: after, limit: ExportResults.maxFramesPerResult + 1)
        else { return nil }
        let frames = Self.exportFrames(found)
        Self.exportResults.update { $0.keep(frames, for: request, after: after, now: now) }
        return frames
    }

    /// Rows of (capture, frame, time, linktype, segment path, offset, caplen).
    static func exportFrames(_ result: PostgresResult) -> [QueryMessage.ExportFrame] {
        result.rows.indices.compactMap { index in
            guard let row = result.row(index), let capture = row.int64(0), let frame = row.int64(1),
                  let time = row.int64(2), let type = row.int64(3), let path = row.string(4),
                  let offset = row.int64(5), let caplen = row.int(6) else { return nil }
            return QueryMessage.ExportFrame(
                capture: UInt64(clamping: capture), frame: UInt64(clamping: frame), time: time,
                linkType: UInt32(clamping: type),
                position: QueryMessage.StoredPosition(segment: path, offset: UInt64(clamping: offset),
                                                      length: UInt32(clamping: caplen + 16)))
        }
    }
}

/// Exports of a search's result: its packets, or every packet of the flows it found.
extension SearchEngine {
    /// The packets a search's result covers: a source aliased `p` with
    /// every packets column (the table, or a packets search's flow scope)
    /// and a condition on it, whose placeholders start at `firstParameter`;
    /// nil when the query does not compile (the gateway checks it first)
    /// or names no dataset.
    func exportSelection(_ request: QueryMessage.SearchRequest, firstParameter: Int) throws
        -> (source: String, condition: String, values: [(any PostgresParameter)?])? {
        guard let target = request.queryTarget,
              let (expression, condition) = try? request.compiled(for: target, firstParameter: firstParameter) else {
            return nil
        }
        switch target {
        case .packets:
            guard let scoped = try FlowScope.source(expression, window: TimeWindow(start: request.start, end: request.end),
                                                    firstParameter: firstParameter, on: connection) else {
                return ("packets p", condition.text, condition.values)
            }
            return (scoped.sql, "true", scoped.values)
        case .flows:
            return ("packets p", "p.flow_key IN (SELECT f.flow_key FROM flows f WHERE \(condition.text))", condition.values)
        case .events(let table):
            return ("packets p",
                    "p.flow_key IN (SELECT e.flow_key FROM \(Self.eventsWithFlows(table)) WHERE \(condition.text))",
                    condition.values)
        }
    }

    /// The result's link types in order of first appearance, and its packets (one pass over them).
    func searchExportPlan(_ request: QueryMessage.SearchRequest) throws -> QueryMessage.ExportPlan? {
        guard let selection = try exportSelection(request, firstParameter: 1) else { return nil }
        let result = try connection.query("""
            SELECT s.linktype, count(*) FROM \(selection.source) JOIN segments s ON s.id = p.segment_id
            WHERE \(selection.condition) GROUP BY s.linktype ORDER BY min(p.ts_ns)
            """, selection.values)
        let packets = result.rows.indices.reduce(Int64(0)) { $0 + (result.row($1)?.int64(1) ?? 0) }
        return QueryMessage.ExportPlan(linkTypes: Self.linkTypes(result), packets: UInt64(clamping: packets))
    }

    /// The result's stored frames after the cursor, in time order across captures.
    func searchExportFrames(_ request: QueryMessage.SearchRequest, after: QueryMessage.ExportCursor,
                            limit: Int) throws -> PostgresResult? {
        guard let selection = try exportSelection(request, firstParameter: 5) else { return nil }
        return try connection.query("""
            SELECT p.capture_id, p.frame_number, p.ts_ns, s.linktype, s.path, p.segment_offset, p.caplen
            FROM \(selection.source) JOIN segments s ON s.id = p.segment_id
            WHERE (p.ts_ns, p.capture_id, p.frame_number) > ($1, $2, $3) AND \(selection.condition)
            ORDER BY p.ts_ns, p.capture_id, p.frame_number LIMIT $4
            """, [after.time, Int64(clamping: after.capture), Int64(clamping: after.frame), limit] + selection.values)
    }
}
