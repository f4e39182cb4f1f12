import Dissection
import PostgresClient
import Records

/// The binary COPY of events and the merge of flow reports.
extension TrafficWriter {
    /// Columns of a flow report, shared by the staging table and `flows`.
    static let flowColumns = """
        flow_key, start_ns, capture_id, end_ns, first_frame, src_packets, src_bytes, src_wire_bytes, \
        dst_packets, dst_bytes, dst_wire_bytes, src_port, dst_port, src_tcp_flags, dst_tcp_flags, protocol, \
        final, reason, community_id, src, dst, vlan_ids
        """
    static let flowFieldCount: Int16 = 22

    /// Each protocol's events by binary COPY into its table.
    func copyEvents(_ events: [EventRecord], batchID: Int64) throws {
        for table in EventTable.all {
            let rows = events.filter { $0.dataset == table.dataset }
            guard !rows.isEmpty else { continue }
            var encoder = BinaryCopyEncoder(reservingCapacity: 64 << 10)
            try connection.copyIn(sql: table.copyStatement) { stream in
                for event in rows {
                    try table.encode(event, batchID: batchID, into: &encoder)
                    if encoder.bytes.count >= Self.copyChunkBytes { try stream.send(encoder.takeBytes()) }
                }
                try stream.send(encoder.finish())
            }
        }
    }

    /// The events whose (capture, flow key, time, sequence) is not stored yet.
    func unstoredEvents(_ events: [EventRecord]) throws -> [EventRecord] {
        var stored = Set<EventIdentity>()
        for table in EventTable.all {
            for (captureID, group) in Dictionary(grouping: events.filter { $0.dataset == table.dataset }, by: \.captureID) {
                func list(_ values: [String]) -> String { "{" + values.joined(separator: ",") + "}" }
                let result = try connection.query("""
                    SELECT e.flow_key, e.ts_ns, e.sequence FROM \(table.name) e
                    JOIN unnest($2::bigint[], $3::bigint[], $4::integer[]) AS k(flow_key, ts_ns, sequence)
                      ON e.flow_key = k.flow_key AND e.ts_ns = k.ts_ns AND e.sequence = k.sequence
                    WHERE e.capture_id = $1
                    """, [Int64(bitPattern: captureID), list(group.map { String(Int64(bitPattern: $0.flowKey)) }),
                          list(group.map { String($0.time) }), list(group.map { String(Int32(bitPattern: $0.sequence)) })])
                for row in 0 ..< result.rows.count {
                    guard let r = result.row(row), let key = r.int64(0), let time = r.int64(1), let sequence = r.int64(2)
                    else { continue }
                    stored.insert(EventIdentity(captureID: captureID, flowKey: UInt64(bitPattern: key), time: time,
                                                sequence: UInt32(truncatingIfNeeded: sequence)))
                }
            }
        }
        return events.filter {
            !stored.contains(EventIdentity(captureID: $0.captureID, flowKey: $0.flowKey, time: $0.time,
                                           sequence: $0.sequence))
        }
    }

    struct EventIdentity: Hashable {
        var captureID: UInt64
        var flowKey: UInt64
        var time: Int64
        var sequence: UInt32
    }

    /// COPY into a session's staging table, then merge: rows that exist
    /// are updated in place (keeping their API id), new ones inserted with
    /// the next id. The INSERT's ON CONFLICT covers a concurrent writer
    /// inserting the same flow between the two statements. A report only
    /// replaces a row it does not go back on: at least as many packets, and
    /// never final → not final (a stale re-send after a restart).
    func upsertFlows(_ flows: [FlowRecord], batchID: Int64) throws {
        try connection.execute("""
            CREATE TEMP TABLE IF NOT EXISTS flow_reports_in (
                flow_key bigint, start_ns bigint, capture_id bigint, end_ns bigint, first_frame bigint,
                src_packets bigint, src_bytes bigint, src_wire_bytes bigint,
                dst_packets bigint, dst_bytes bigint, dst_wire_bytes bigint,
                src_port integer, dst_port integer, src_tcp_flags integer, dst_tcp_flags integer, protocol smallint,
                final boolean, reason text, community_id text, src inet, dst inet, vlan_ids integer[]
            ) ON COMMIT DELETE ROWS
            """)
        var encoder = BinaryCopyEncoder(reservingCapacity: Self.copyChunkBytes + 4096)
        try connection.copyIn(sql: "COPY flow_reports_in (\(Self.flowColumns)) FROM STDIN (FORMAT binary)") { stream in
            for flow in flows {
                Self.encode(flow, into: &encoder)
                if encoder.bytes.count >= Self.copyChunkBytes { try stream.send(encoder.takeBytes()) }
            }
            try stream.send(encoder.finish())
        }
        try connection.query(Self.updateFlows, [batchID])
        try connection.query(Self.insertFlows, [batchID])
    }

    // Both statements join the batch's reports to `flows` by the primary
    // key alone. A start range (to prune partitions at plan time) made the
    // planner misjudge a day's partition as small and hash all of it for
    // every batch, a cost that grew with the day's flows; by key, each
    // report is one index probe into the partition of its start (pruned at
    // run time). $1: the batch id.
    //
    // An update changes no indexed column (`batch_id` stays the inserting
    // batch's), so with the room a partition leaves on each page it is HOT:
    // no index entry is written. The batch lists the flows it updated in
    // `flow_updates` instead (migration 18).

    static let updateFlows = """
        WITH updated AS (
            UPDATE flows AS f SET
                end_ns = t.end_ns, src_packets = t.src_packets, src_bytes = t.src_bytes,
                src_wire_bytes = t.src_wire_bytes, dst_packets = t.dst_packets, dst_bytes = t.dst_bytes,
                dst_wire_bytes = t.dst_wire_bytes, src_tcp_flags = t.src_tcp_flags,
                dst_tcp_flags = t.dst_tcp_flags, final = t.final, reason = t.reason
            FROM flow_reports_in AS t
            WHERE f.flow_key = t.flow_key AND f.start_ns = t.start_ns AND \(doesNotGoBack(report: "t", row: "f"))
            RETURNING f.flow_key, f.start_ns
        )
        \(recordUpdates(from: "updated"))
        """

    /// A row the INSERT finds after all (another writer inserted the flow
    /// between the two statements) is updated like the others, and listed.
    static let insertFlows = """
        WITH written AS (
            INSERT INTO flows AS f (\(flowColumns), batch_id)
            SELECT \(flowColumns), $1 FROM flow_reports_in AS t
            WHERE NOT EXISTS (SELECT 1 FROM flows AS e WHERE e.flow_key = t.flow_key AND e.start_ns = t.start_ns)
            ON CONFLICT (flow_key, start_ns) DO UPDATE SET
                end_ns = EXCLUDED.end_ns, src_packets = EXCLUDED.src_packets, src_bytes = EXCLUDED.src_bytes,
                src_wire_bytes = EXCLUDED.src_wire_bytes, dst_packets = EXCLUDED.dst_packets,
                dst_bytes = EXCLUDED.dst_bytes, dst_wire_bytes = EXCLUDED.dst_wire_bytes,
                src_tcp_flags = EXCLUDED.src_tcp_flags, dst_tcp_flags = EXCLUDED.dst_tcp_flags,
                final = EXCLUDED.final, reason = EXCLUDED.reason
            WHERE \(doesNotGoBack(report: "EXCLUDED", row: "f"))
            RETURNING f.flow_key, f.start_ns, f.batch_id <> $1 AS updated
        )
        \(recordUpdates(from: "written WHERE updated"))
        """

    /// Appends the flows `source` returns to the batch's `flow_updates` row.
    static func recordUpdates(from source: String) -> String {
        """
        INSERT INTO flow_updates (batch_id, flow_keys, starts)
        SELECT $1, array_agg(flow_key), array_agg(start_ns) FROM \(source) HAVING count(*) > 0
        ON CONFLICT (batch_id) DO UPDATE SET
            flow_keys = flow_updates.flow_keys || EXCLUDED.flow_keys, starts = flow_updates.starts || EXCLUDED.starts
        """
    }

    /// SQL condition under which a report may replace a stored flow row.
    static func doesNotGoBack(report: String, row: String) -> String {
        "(\(report).src_packets + \(report).dst_packets >= \(row).src_packets + \(row).dst_packets)"
            + " AND (\(report).final OR NOT \(row).final)"
    }

    static func encode(_ flow: FlowRecord, into encoder: inout BinaryCopyEncoder) {
        encoder.beginRow(fieldCount: flowFieldCount)
        encoder.append(int8: Int64(bitPattern: flow.flowKey))
        encoder.append(int8: flow.start)
        encoder.append(int8: Int64(bitPattern: flow.captureID))
        encoder.append(int8: flow.end)
        encoder.append(int8: Int64(bitPattern: flow.firstFrame))
        encoder.append(int8: Int64(truncatingIfNeeded: flow.fromSource.packets))
        encoder.append(int8: Int64(truncatingIfNeeded: flow.fromSource.capturedBytes))
        encoder.append(int8: Int64(truncatingIfNeeded: flow.fromSource.wireBytes))
        encoder.append(int8: Int64(truncatingIfNeeded: flow.fromDestination.packets))
        encoder.append(int8: Int64(truncatingIfNeeded: flow.fromDestination.capturedBytes))
        encoder.append(int8: Int64(truncatingIfNeeded: flow.fromDestination.wireBytes))
        encoder.append(int4: flow.sourcePort.map { Int32($0) })
        encoder.append(int4: flow.destinationPort.map { Int32($0) })
        encoder.append(int4: Int32(flow.fromSource.tcpFlags))
        encoder.append(int4: Int32(flow.fromDestination.tcpFlags))
        encoder.append(int2: Int16(flow.protocolNumber))
        encoder.append(bool: flow.isFinal)
        encoder.append(text: flow.reason.rawValue)
        encoder.append(text: flow.communityID)
        appendInet(flow.source, into: &encoder)
        appendInet(flow.destination, into: &encoder)
        appendVLANs(flow.vlans, into: &encoder)
    }

    static func appendInet(_ address: IPAddress?, into encoder: inout BinaryCopyEncoder) {
        guard let address else { return encoder.appendNull() }
        if address.isIPv6 {
            encoder.append(inetV6High: address.high, low: address.low)
        } else {
            encoder.append(inetV4: address.v4)
        }
    }

    /// NULL when untagged, so the common row carries no array.
    static func appendVLANs(_ vlans: VLANStack, into encoder: inout BinaryCopyEncoder) {
        guard vlans.count > 0 else { return encoder.appendNull() }
        encoder.append(int4Array: vlans.ids.map { Int32($0) })
    }
}
