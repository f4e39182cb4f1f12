import Dissection
import Foundation
import PostgresClient
import Records

/// A sensor as storage records it: a persistent UUID and a name.
public struct SensorIdentity: Hashable, Sendable {
    public var id: UUID
    public var name: String

    public init(id: UUID, name: String) {
        self.id = id
        self.name = name
    }
}

/// Where a capture stands.
public enum CaptureStatus: String, Hashable, Sendable {
    /// Frames may still arrive (no end marker, or fewer frames stored than it said).
    case running
    /// The end marker's frame count is stored.
    case complete
    /// Ended with a reason (`CaptureSummary.failureReason`).
    case failed
    /// Running, but nothing came from its producer for a while (a killed
    /// `netsift ingest`): not counted as running. Anything more from it makes
    /// it running again.
    case abandoned
}

/// A capture's row: status and the totals kept current at ingest.
public struct CaptureSummary: Hashable, Sendable {
    public var id: UInt64
    public var status: CaptureStatus
    public var failureReason: String?
    public var expectedFrames: UInt64?
    public var packets: UInt64
    public var bytes: UInt64
    public var wireBytes: UInt64
    public var ipv4: UInt64
    public var ipv6: UInt64
    public var tcp: UInt64
    public var udp: UInt64
    public var icmp: UInt64
    public var firstPacket: Int64?
    public var lastPacket: Int64?
}

extension TrafficWriter {
    /// Registers the sensor (or renames it) and starts a capture; returns
    /// the capture id that frames, packets and flows carry from here on.
    /// `file`: the SHA-256 (hex) and size of the capture file, its chain of custody.
    public func startCapture(sensor: SensorIdentity, source: String, runID: UUID? = nil,
                             file: (sha256: String, size: UInt64)? = nil) throws -> UInt64 {
        try connection.transaction { connection in
            try connection.query("""
                INSERT INTO sensors (id, name) VALUES ($1, $2)
                ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name WHERE sensors.name <> EXCLUDED.name
                """, [sensor.id, sensor.name])
            let result = try connection.query("""
                INSERT INTO captures (sensor_id, source, run_id, sha256, file_size)
                VALUES ($1, $2, $3, decode($4, 'hex'), $5) RETURNING id
                """, [sensor.id, source, runID, file?.sha256, file.map { Int64(clamping: $0.size) }])
            guard let id = result.row(0)?.int64(0) else { throw connection.unexpected("no capture id returned") }
            return UInt64(id)
        }
    }

    /// Records the end marker's frame count. A running capture becomes
    /// complete when that many frames are stored — now, or when the batch
    /// that reaches the count commits; it fails if more are already stored.
    /// A capture that already ended keeps its status.
    @discardableResult
    public func endCapture(_ captureID: UInt64, expectedFrames: UInt64) throws -> CaptureSummary {
        let expected = Int64(bitPattern: expectedFrames)
        try connection.query("""
            UPDATE captures SET
                expected_frames = $2, last_activity = now(),
                status = CASE WHEN status NOT IN ('running', 'abandoned') THEN status
                              WHEN packets = $2 THEN 'complete'
                              WHEN packets > $2 THEN 'failed'
                              ELSE 'running' END,
                failure_reason = CASE WHEN status IN ('running', 'abandoned') AND packets > $2
                                      THEN 'stored ' || packets || ' frames but the end marker says ' || $2::bigint
                                      ELSE failure_reason END,
                ended_at = CASE WHEN status IN ('running', 'abandoned') AND packets >= $2 THEN now() ELSE ended_at END
            WHERE id = $1
            """, [Int64(bitPattern: captureID), expected])
        return try requireCapture(captureID)
    }

    /// Ends a running capture as failed (a read error, the sensor gave up);
    /// a capture that already ended keeps its status. `expectedFrames`, when
    /// known, is how many frames were sent before it broke off.
    @discardableResult
    public func failCapture(_ captureID: UInt64, reason: String, expectedFrames: UInt64? = nil) throws -> CaptureSummary {
        try connection.query("""
            UPDATE captures SET status = 'failed', failure_reason = $2, ended_at = now(), last_activity = now(),
                expected_frames = COALESCE($3, expected_frames)
            WHERE id = $1 AND status IN ('running', 'abandoned')
            """, [Int64(bitPattern: captureID), reason, expectedFrames.map { Int64(bitPattern: $0) }])
        return try requireCapture(captureID)
    }

    /// The capture's status and totals; nil if no such capture.
    public func capture(_ captureID: UInt64) throws -> CaptureSummary? {
        let result = try connection.query("""
            SELECT id, status, failure_reason, expected_frames, packets, bytes, wire_bytes,
                   ipv4_packets, ipv6_packets, tcp_packets, udp_packets, icmp_packets,
                   first_packet_ns, last_packet_ns
            FROM captures WHERE id = $1
            """, [Int64(bitPattern: captureID)])
        guard let row = result.row(0) else { return nil }
        func count(_ index: Int) -> UInt64 { UInt64(row.int64(index) ?? 0) }
        return CaptureSummary(
            id: count(0), status: row.string(1).flatMap(CaptureStatus.init(rawValue:)) ?? .running,
            failureReason: row.string(2), expectedFrames: row.int64(3).map { UInt64($0) },
            packets: count(4), bytes: count(5), wireBytes: count(6), ipv4: count(7), ipv6: count(8),
            tcp: count(9), udp: count(10), icmp: count(11), firstPacket: row.int64(12), lastPacket: row.int64(13))
    }

    private func requireCapture(_ captureID: UInt64) throws -> CaptureSummary {
        guard let summary = try capture(captureID) else {
            throw PostgresError(kind: .invalidArgument, message: "no capture \(captureID)")
        }
        return summary
    }

    /// Marks `abandoned` the running captures nothing came for in `idle`
    /// (their producer is gone); returns their ids.
    public func abandonIdleCaptures(idle: Duration) throws -> [UInt64] {
        let result = try connection.query("""
            UPDATE captures SET status = 'abandoned'
            WHERE status = 'running' AND last_activity < now() - make_interval(secs => $1)
            RETURNING id
            """, [Double(idle.components.seconds)])
        return (0 ..< result.rows.count).compactMap { result.row($0)?.int64(0).map { UInt64(bitPattern: $0) } }
    }

    /// Adds the batch's packets to each capture's totals, inside the batch's
    /// transaction; completes a capture whose end marker's count is reached.
    func addCaptureTotals(_ packets: [PacketRecord]) throws {
        var totals: [UInt64: Totals] = [:]
        for packet in packets { totals[packet.captureID, default: Totals()].add(packet) }
        for (captureID, total) in totals.sorted(by: { $0.key < $1.key }) {
            let result = try connection.query("""
                UPDATE captures SET
                    packets = packets + $2, bytes = bytes + $3, wire_bytes = wire_bytes + $4,
                    ipv4_packets = ipv4_packets + $5, ipv6_packets = ipv6_packets + $6,
                    tcp_packets = tcp_packets + $7, udp_packets = udp_packets + $8, icmp_packets = icmp_packets + $9,
                    first_packet_ns = LEAST(first_packet_ns, $10), last_packet_ns = GREATEST(last_packet_ns, $11),
                    last_activity = now(),
                    status = CASE WHEN status NOT IN ('running', 'abandoned') THEN status
                                  WHEN expected_frames IS NULL THEN 'running'
                                  WHEN packets + $2 = expected_frames THEN 'complete'
                                  WHEN packets + $2 > expected_frames THEN 'failed'
                                  ELSE 'running' END,
                    failure_reason = CASE WHEN status IN ('running', 'abandoned') AND packets + $2 > expected_frames
                                          THEN 'stored ' || (packets + $2) || ' frames but the end marker says '
                                               || expected_frames
                                          ELSE failure_reason END,
                    ended_at = CASE WHEN status IN ('running', 'abandoned') AND packets + $2 >= expected_frames
                                    THEN now() ELSE ended_at END
                WHERE id = $1
                """, [Int64(bitPattern: captureID), total.packets, total.bytes, total.wireBytes,
                      Int64(total.protocols.ipv4), Int64(total.protocols.ipv6), Int64(total.protocols.tcp),
                      Int64(total.protocols.udp), Int64(total.protocols.icmp), total.first, total.last])
            guard result.affectedRows == 1 else {
                throw PostgresError(kind: .invalidArgument,
                                    message: "batch has packets of capture \(captureID), which was never started")
            }
        }
    }

    private struct Totals {
        var packets: Int64 = 0
        var bytes: Int64 = 0
        var wireBytes: Int64 = 0
        var protocols = ProtocolCounts()
        var first = Int64.max
        var last = Int64.min

        mutating func add(_ packet: PacketRecord) {
            packets += 1
            bytes += Int64(packet.capturedLength)
            wireBytes += Int64(packet.wireLength)
            protocols.count(ipVersion: packet.ipVersion, transport: packet.l4Type)
            first = min(first, packet.timestamp)
            last = max(last, packet.timestamp)
        }
    }
}
