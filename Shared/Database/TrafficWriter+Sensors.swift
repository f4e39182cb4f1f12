import Foundation

/// What a sensor reports besides traffic: its adapters and, for a live
/// capture, what it could not capture.
extension TrafficWriter {
    public struct Adapter: Hashable, Sendable {
        public var name: String
        public var description: String
        public var isUp: Bool
        public var isRunning: Bool
        public var isLoopback: Bool
        public var mac: String?
        public var ipv4: [String]
        public var ipv6: [String]
        public var mtu: Int?

        public init(name: String, description: String, isUp: Bool, isRunning: Bool, isLoopback: Bool, mac: String?,
                    ipv4: [String], ipv6: [String], mtu: Int?) {
            self.name = name
            self.description = description
            self.isUp = isUp
            self.isRunning = isRunning
            self.isLoopback = isLoopback
            self.mac = mac
            self.ipv4 = ipv4
            self.ipv6 = ipv6
            self.mtu = mtu
        }
    }

    /// Replaces the sensor's adapter list (registering the sensor if new).
    public func replaceAdapters(sensor: SensorIdentity, _ adapters: [Adapter]) throws {
        try connection.transaction { connection in
            try connection.query("""
                INSERT INTO sensors (id, name) VALUES ($1, $2)
                ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name WHERE sensors.name <> EXCLUDED.name
                """, [sensor.id, sensor.name])
            try connection.query("DELETE FROM adapters WHERE sensor_id = $1", [sensor.id])
            for adapter in adapters {
                try connection.query("""
                    INSERT INTO adapters (sensor_id, name, description, is_up, is_running, is_loopback, mac,
                                          ipv4, ipv6, mtu)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[], $9::text[], $10)
                    """, [sensor.id, adapter.name, adapter.description, adapter.isUp, adapter.isRunning,
                          adapter.isLoopback, adapter.mac, Self.textArray(adapter.ipv4),
                          Self.textArray(adapter.ipv6), adapter.mtu])
            }
        }
    }

    /// The latest drop counters of a live capture (cumulative; a later report replaces an earlier one).
    public func recordCaptureStatistics(_ captureID: UInt64, received: UInt64, kernelDrops: UInt64,
                                        interfaceDrops: UInt64, sensorDrops: UInt64) throws {
        try connection.query("""
            UPDATE captures SET received_frames = $2, kernel_drops = $3, interface_drops = $4, sensor_drops = $5,
                last_activity = now(), status = CASE WHEN status = 'abandoned' THEN 'running' ELSE status END
            WHERE id = $1
            """, [Int64(bitPattern: captureID), Int64(bitPattern: received), Int64(bitPattern: kernelDrops),
                  Int64(bitPattern: interfaceDrops), Int64(bitPattern: sensorDrops)])
    }

    /// A PostgreSQL array literal of texts, every element quoted.
    static func textArray(_ values: [String]) -> String {
        "{" + values.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "\"", with: "\\\"") + "\"" }.joined(separator: ",") + "}"
    }
}
