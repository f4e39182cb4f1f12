import Foundation
import PostgresClient
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
    public internal(set) var partitions = PartitionManager()
    /// Events dropped from batches because an earlier decoder had stored them.
    public private(set) var replayedEvents = 0
    /// Encoded bytes handed to libpq at once during a COPY.
    static let copyChunkBytes = 1 << 20

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    public convenience init(conninfo: String) throws {
        try self.init(connection: PostgresConnection(conninfo: conninfo))
    }

    /// Commits a batch in one transaction: the batch row (its id is the
    /// batch id), the sensor ranges it covers, the runs of its packets in
    /// the packet index, its flow reports merged into one row per flow, its
    /// events by binary COPY, the totals of the captures it touches, and
    /// the capture ends it passes on (a capture whose end marker's frame
    /// count is reached becomes complete). If the (producer, sequence) was
    /// committed before, nothing is written and the result is `.duplicate`.
    ///
    /// A restarted decoder is a new producer that rebuilds its flows from
    /// frames re-sent from the start of a capture, so its batches can hold
    /// packets and events an earlier decoder already stored. Storage leaves
    /// such packets out of the batch (`StorageEngine`); an event's COPY
    /// fails on its unique key, and the batch is committed again without
    /// them (`replayedEvents` counts them). Flow reports merge as usual, so
    /// nothing is doubled.
    ///
    /// `segments` are the pcap store lengths the packets' positions need,
    /// and `runs` the packet index records the batch appended; both are
    /// committed with the rows that point into them.
    ///
    /// On any error the transaction is rolled back: no row of the batch
    /// stays. Daily partitions the batch needs are created first, each in
    /// its own short transaction (see `PartitionManager`).
    /// - Throws: `PostgresError`; `.invalidArgument` for a packet of a
    ///   capture that was never started.
    public func commit(_ batch: RecordBatch, segments: [SegmentLength] = [], runs: [PacketRun] = []) throws -> CommitResult {
        try ensurePartitions(for: batch)
        try partitions.ensure(.packetRuns, coveringTimes: runs.lazy.map(\.start), on: connection)
        do {
            return try commitOnce(batch, segments: segments, runs: runs)
        } catch let error as PostgresError {
            guard error.sqlState == PostgresError.uniqueViolation, !batch.events.isEmpty else { throw error }
            var fresh = batch
            fresh.events = try unstoredEvents(batch.events)
            replayedEvents += batch.events.count - fresh.events.count
            return try commitOnce(fresh, segments: segments, runs: runs)
        }
    }

    private func commitOnce(_ batch: RecordBatch, segments: [SegmentLength], runs: [PacketRun]) throws -> CommitResult {
        let flows = Self.latestReports(batch.flows)
        return try connection.transaction { connection -> CommitResult in
            guard let batchID = try insertBatchRow(batch, flowCount: flows.count) else { return .duplicate }
            for range in batch.covers {
                try connection.query("""
                    INSERT INTO batch_sources (batch_id, producer, first_sequence, last_sequence)
                    VALUES ($1, $2, $3, $4)
                    """, [batchID, range.producer, Int64(bitPattern: range.first), Int64(bitPattern: range.last)])
            }
            try copyPacketRuns(runs, batchID: batchID)
            if !flows.isEmpty { try upsertFlows(flows, batchID: batchID) }
            if !batch.events.isEmpty { try copyEvents(batch.events, batchID: batchID) }
            try commitSegmentLengths(segments)
            try addCaptureTotals(batch.packets)
            for end in batch.ends {
                if let reason = end.failureReason {
                    try failCapture(end.captureID, reason: reason, expectedFrames: end.frameCount)
                } else {
                    try endCapture(end.captureID, expectedFrames: end.frameCount)
                }
            }
            return .committed(batchID: batchID)
        }
    }

    /// Creates the daily partitions a batch's packets and flows need (each
    /// in its own short transaction); `commit` does this itself, so calling
    /// it ahead only moves the work.
    public func ensurePartitions(for batch: RecordBatch) throws {
        try partitions.ensure(.flows, coveringTimes: batch.flows.lazy.map(\.start), on: connection)
        for table in EventTable.all {
            try partitions.ensure(table.partitions,
                                  coveringTimes: batch.events.lazy.filter { $0.dataset == table.dataset }.map(\.time),
                                  on: connection)
        }
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
