import PostgresClient

extension Migrations {
    /// The packet index beside each pcap segment (docs/DATA.md, "Packet
    /// index"): a segment's committed index length, cut back at start-up like
    /// its committed length, and one `packet_runs` row per run of index
    /// records a batch appended to one segment. Readers use only records
    /// inside committed runs; a run lies in one segment, hence in one UTC
    /// day, and its table is partitioned by day like packets.
    static let packetIndex = Migration(version: 14, name: "packet index", sql: """
        ALTER TABLE segments ADD COLUMN committed_index_length bigint NOT NULL DEFAULT 0
            CHECK (committed_index_length >= 0);
        CREATE TABLE packet_runs (
            segment_id   bigint  NOT NULL,
            first_record bigint  NOT NULL,
            capture_id   bigint  NOT NULL,
            batch_id     bigint  NOT NULL,
            first_frame  bigint  NOT NULL,
            last_frame   bigint  NOT NULL,
            start_ns     bigint  NOT NULL,
            end_ns       bigint  NOT NULL,
            records      integer NOT NULL CHECK (records > 0),
            CHECK (first_frame <= last_frame AND start_ns <= end_ns),
            PRIMARY KEY (segment_id, first_record, start_ns)
        ) PARTITION BY RANGE (start_ns);
        CREATE INDEX packet_runs_capture ON packet_runs (capture_id, first_frame);
        CREATE INDEX packet_runs_batch ON packet_runs (batch_id);
        """)
}
