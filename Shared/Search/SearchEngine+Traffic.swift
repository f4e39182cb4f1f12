import Foundation
import PostgresClient
import Wire

/// Packets, flows and downloads: what the gateway's traffic routes ask.
extension SearchEngine {
    static let flowSelect = """
        SELECT f.id, f.capture_id, f.community_id, host(f.src), host(f.dst), f.src_port, f.dst_port, f.protocol,
               f.start_ns, f.end_ns, f.first_frame, f.src_packets, f.src_bytes, f.dst_packets, f.dst_bytes,
               f.src_tcp_flags, f.dst_tcp_flags, f.final, f.reason, array_to_json(f.vlan_ids)::text
        FROM flows f
        """

    static func flow(_ row: PostgresRow) -> QueryMessage.Flow? {
        guard let id = row.int64(0), let capture = row.int64(1) else { return nil }
        func u64(_ i: Int) -> UInt64 { UInt64(clamping: row.int64(i) ?? 0) }
        let vlans = row.string(19).flatMap { try? JSONDecoder().decode([Int].self, from: Data($0.utf8)) } ?? []
        return QueryMessage.Flow(
            id: UInt64(id), captureID: UInt64(capture), communityID: row.string(2) ?? "", source: row.string(3) ?? "",
            destination: row.string(4) ?? "", sourcePort: row.int(5), destinationPort: row.int(6),
            protocolNumber: row.int(7) ?? 0, start: row.int64(8) ?? 0, end: row.int64(9) ?? 0, firstFrame: u64(10),
            sourcePackets: u64(11), sourceBytes: u64(12), destinationPackets: u64(13), destinationBytes: u64(14),
            sourceTCPFlags: row.int(15) ?? 0, destinationTCPFlags: row.int(16) ?? 0, isFinal: row.bool(17) ?? false,
            reason: row.string(18) ?? "", vlans: vlans)
    }

    func flows(_ sql: String, _ parameters: [(any PostgresParameter)?]) throws -> [QueryMessage.Flow] {
        let result = try connection.query(Self.flowSelect + " " + sql, parameters)
        return result.rows.indices.compactMap { result.row($0).flatMap(Self.flow) }
    }

    func captureExists(_ id: UInt64) throws -> Bool {
        try connection.query("SELECT 1 FROM captures WHERE id = $1", [Int64(clamping: id)]).rows.count == 1
    }

    func captureMeta(_ id: UInt64) throws -> QueryMessage.CaptureMeta? {
        let rows = try connection.query(Self.captureSelect + " WHERE c.id = $1", [Int64(clamping: id)])
        guard let capture = rows.rows.first.flatMap(Self.capture) else { return nil }
        let flows = try connection.query(
            "SELECT count(*), coalesce(max(id), 0) FROM flows WHERE capture_id = $1", [Int64(clamping: id)]).row(0)
        return QueryMessage.CaptureMeta(
            capture: capture, flows: UInt64(clamping: flows?.int64(0) ?? 0),
            lastFlowID: UInt64(clamping: flows?.int64(1) ?? 0),
            lastPacketID: try settledFrame(capture: id, running: capture.status != "complete" && capture.status != "failed"))
    }

    /// The highest frame number below which every frame is committed. While
    /// a capture runs, several decoders commit out of frame order, so that is
    /// the frame before the first gap; once it ended every frame is in.
    func settledFrame(capture: UInt64, running: Bool) throws -> UInt64 {
        let id = Int64(clamping: capture)
        let top = try connection.query("""
            SELECT coalesce(max(frame_number), 0), (SELECT packets FROM captures WHERE id = $1)
            FROM packets WHERE capture_id = $1
            """, [id]).row(0)
        let highest = top?.int64(0) ?? 0
        guard running, highest != top?.int64(1) else { return UInt64(clamping: highest) }
        let gap = try connection.query("""
            SELECT previous FROM (
                SELECT frame_number, lag(frame_number, 1, 0::bigint) OVER (ORDER BY frame_number) AS previous
                FROM packets WHERE capture_id = $1) AS numbered
            WHERE frame_number <> previous + 1 ORDER BY frame_number LIMIT 1
            """, [id]).row(0)?.int64(0)
        return UInt64(clamping: gap ?? highest)
    }

    func packetPage(capture: UInt64, after: UInt64, limit: Int) throws -> QueryMessage.PacketPage? {
        let id = Int64(clamping: capture)
        // The status first: a capture that has ended has every frame stored.
        guard let state = try connection.query("SELECT status, packets FROM captures WHERE id = $1", [id]).row(0) else {
            return nil
        }
        let result = try connection.query("""
            SELECT \(Self.packetColumns)
            FROM packets p
            LEFT JOIN segments s ON s.id = p.segment_id
            LEFT JOIN LATERAL (SELECT id FROM flows WHERE flow_key = p.flow_key LIMIT 1) fl ON true
            WHERE p.capture_id = $1 AND p.frame_number > $2
            ORDER BY p.frame_number LIMIT $3
            """, [id, Int64(clamping: after), Self.clamp(limit)])
        var packets: [QueryMessage.Packet] = []
        let running = state.string(0) == "running"
        for index in result.rows.indices {
            guard let row = result.row(index), let packet = Self.packet(row) else { continue }
            if running && packet.frame != after + UInt64(packets.count) + 1 { break }
            packets.append(packet)
        }
        let before = after == 0 ? 0 : try connection.query(
            "SELECT count(*) FROM packets WHERE capture_id = $1 AND frame_number <= $2",
            [id, Int64(clamping: after)]).row(0)?.int64(0) ?? 0
        let lastFlow = try connection.query(
            "SELECT coalesce(max(id), 0) FROM flows WHERE capture_id = $1", [id]).row(0)?.int64(0) ?? 0
        return QueryMessage.PacketPage(
            packets: packets, lastPacketID: packets.last?.frame ?? after, before: UInt64(clamping: before),
            total: UInt64(clamping: state.int64(1) ?? 0), lastFlowID: UInt64(clamping: lastFlow))
    }

    static func packet(_ row: PostgresRow) -> QueryMessage.Packet? {
        guard let frame = row.int64(0), let time = row.int64(1), let caplen = row.int(2) else { return nil }
        var position: QueryMessage.StoredPosition?
        if let path = row.string(20), let offset = row.int64(21) {
            position = QueryMessage.StoredPosition(segment: path, offset: UInt64(clamping: offset),
                                                   length: UInt32(clamping: caplen + 16))
        }
        return QueryMessage.Packet(
            frame: UInt64(clamping: frame), time: time, capturedLength: caplen, wireLength: row.int(3) ?? caplen,
            flowID: row.int64(4).map { UInt64(clamping: $0) }, source: row.string(5), destination: row.string(6),
            sourcePort: row.int(7), destinationPort: row.int(8), layers: (9 ... 18).map { row.int($0) ?? 0 },
            anomalies: UInt64(bitPattern: row.int64(19) ?? 0), position: position)
    }

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
