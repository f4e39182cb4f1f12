import Foundation
import Records

/// Writes decoder output into the traffic tables: one `RecordBatch` per
/// transaction, recorded with its (producer, sequence) so a re-sent batch is
/// a no-op.
///
/// **Blocking.** Every call waits for PostgreSQL (a batch of thousands of
/// rows takes milliseconds to seconds). Run a writer on a thread of its own —
/// `DedicatedThread.run`, or the storage service's writer thread — never on
/// the cooperative pool. Like its `PostgresConnection`, a writer belongs to
/// the thread that uses it and is not `Sendable`.
public final class TrafficWriter {
    public enum CommitResult: Hashable, Sendable {
        /// Stored; every row carries this batch id (the new-data cursor).
        case committed(batchID: Int64)
        /// This (producer, sequence) was committed before; nothing changed.
        case duplicate
    }

    public let connection: PostgresConnection
    public private(set) var partitions = PartitionManager()
    /// Encoded bytes handed to libpq at once during a COPY.
    static let copyChunkBytes = 1 << 20

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    public convenience init(conninfo: String) throws {
        try self.init(connection: PostgresConnection(conninfo: conninfo))
    }

    /// Commits a batch in one transaction: the batch row (its id is the
    /// batch id), the sensor ranges it covers, its packets by binary COPY,
    /// its flow reports merged into one row per flow, and the totals of the
    /// captures it touches (a capture whose end marker's frame count is
    /// reached becomes complete). If the (producer, sequence) was committed
    /// before, nothing is written and the result is `.duplicate`.
    ///
    /// On any error the transaction is rolled back: no row of the batch
    /// stays. Daily partitions the batch needs are created first, each in
    /// its own short transaction (see `PartitionManager`).
    /// - Throws: `PostgresError`; `.invalidArgument` for a packet of a
    ///   capture that was never started.
    public func commit(_ batch: RecordBatch) throws -> CommitResult {
        try ensurePartitions(for: batch)
        let flows = Self.latestReports(batch.flows)

        return try connection.transaction { connection -> CommitResult in
            guard let batchID = try insertBatchRow(batch, flowCount: flows.count) else { return .duplicate }
            for range in batch.covers {
                try connection.query("""
                    INSERT INTO batch_sources (batch_id, producer, first_sequence, last_sequence)
                    VALUES ($1, $2, $3, $4)
                    """, [batchID, range.producer, Int64(bitPattern: range.first), Int64(bitPattern: range.last)])
            }
            if !batch.packets.isEmpty { try copyPackets(batch.packets, batchID: batchID) }
            if !flows.isEmpty { try upsertFlows(flows, batchID: batchID) }
            try addCaptureTotals(batch.packets)
            return .committed(batchID: batchID)
        }
    }

    /// Creates the daily partitions a batch's packets and flows need (each
    /// in its own short transaction); `commit` does this itself, so calling
    /// it ahead only moves the work.
    public func ensurePartitions(for batch: RecordBatch) throws {
        try partitions.ensure(.packets, coveringTimes: batch.packets.lazy.map(\.timestamp), on: connection)
        try partitions.ensure(.flows, coveringTimes: batch.flows.lazy.map(\.start), on: connection)
    }

    /// The batch row's id, or nil when (producer, sequence) exists. A
    /// concurrent writer of the same pair makes this wait for its outcome.
    private func insertBatchRow(_ batch: RecordBatch, flowCount: Int) throws -> Int64? {
        let result = try connection.query("""
            INSERT INTO batches (producer, sequence, packet_count, flow_count) VALUES ($1, $2, $3, $4)
            ON CONFLICT (producer, sequence) DO NOTHING RETURNING id
            """, [batch.producer, Int64(bitPattern: batch.sequence), batch.packets.count, flowCount])
        return result.row(0)?.int64(0)
    }

    /// One report per flow: the last of each (key, start) in the batch.
    /// Reports carry cumulative totals, so the last one says everything,
    /// and one INSERT … ON CONFLICT may not touch a row twice.
    static func latestReports(_ flows: [FlowRecord]) -> [FlowRecord] {
        var position: [FlowIdentity: Int] = [:]
        var latest: [FlowRecord] = []
        latest.reserveCapacity(flows.count)
        for flow in flows {
            let identity = FlowIdentity(key: flow.flowKey, start: flow.start)
            if let index = position[identity] {
                latest[index] = flow
            } else {
                position[identity] = latest.count
                latest.append(flow)
            }
        }
        return latest
    }

    struct FlowIdentity: Hashable {
        var key: UInt64
        var start: Int64
    }
}
