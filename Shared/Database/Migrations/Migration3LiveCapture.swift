import PostgresClient

extension Migrations {
    /// Live capture: the network adapters each sensor reports (AppPacCap
    /// NETADAPTER, replaced as a whole on every report), and per capture the
    /// counters of what was not captured — libpcap's received and dropped
    /// (kernel buffer, interface) and the sensor's own drops (a decoder
    /// queue was full). A file capture leaves them NULL.
    static let liveCapture = Migration(version: 3, name: "live capture", sql: """
        CREATE TABLE adapters (
            sensor_id   uuid NOT NULL REFERENCES sensors (id),
            name        text NOT NULL,
            description text NOT NULL DEFAULT '',
            is_up       boolean NOT NULL,
            is_running  boolean NOT NULL,
            is_loopback boolean NOT NULL,
            mac         text,
            ipv4        text[] NOT NULL DEFAULT '{}',
            ipv6        text[] NOT NULL DEFAULT '{}',
            mtu         integer,
            reported_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (sensor_id, name)
        );

        ALTER TABLE captures
            ADD COLUMN received_frames   bigint,
            ADD COLUMN kernel_drops      bigint,
            ADD COLUMN interface_drops   bigint,
            ADD COLUMN sensor_drops      bigint;
        """)
}
