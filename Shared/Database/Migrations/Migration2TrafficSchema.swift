import PostgresClient

extension Migrations {
    /// The traffic schema of DESIGN.md's data model as far as it exists:
    /// sensors, captures, batches (the new-data cursor), packets and flows
    /// (range-partitioned by UTC day of packet time / flow start; partitions
    /// are created on demand by `PartitionManager`), and pcap segments.
    /// docs/DATA.md "Storage schema (as built)" explains each choice.
    ///
    /// Times are bigint nanoseconds since the Unix epoch (PostgreSQL's
    /// timestamptz keeps microseconds). Traffic tables have no foreign keys:
    /// a check per COPYed row would cost more than the rest of the row, and
    /// the only writer (storage) checks the capture when it updates totals.
    /// Columns are ordered widest first so rows carry no alignment padding.
    static let trafficSchema = Migration(version: 2, name: "traffic schema", sql: """
        CREATE TABLE sensors (
            id         uuid PRIMARY KEY,
            name       text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        );

        CREATE TABLE captures (
            id              bigserial PRIMARY KEY,
            sensor_id       uuid NOT NULL REFERENCES sensors (id),
            source          text NOT NULL,
            run_id          uuid,
            status          text NOT NULL DEFAULT 'running'
                            CHECK (status IN ('running', 'complete', 'failed')),
            failure_reason  text,
            expected_frames bigint CHECK (expected_frames >= 0),
            packets         bigint NOT NULL DEFAULT 0,
            bytes           bigint NOT NULL DEFAULT 0,
            wire_bytes      bigint NOT NULL DEFAULT 0,
            ipv4_packets    bigint NOT NULL DEFAULT 0,
            ipv6_packets    bigint NOT NULL DEFAULT 0,
            tcp_packets     bigint NOT NULL DEFAULT 0,
            udp_packets     bigint NOT NULL DEFAULT 0,
            icmp_packets    bigint NOT NULL DEFAULT 0,
            first_packet_ns bigint,
            last_packet_ns  bigint,
            started_at      timestamptz NOT NULL DEFAULT now(),
            ended_at        timestamptz,
            CHECK ((status = 'failed') = (failure_reason IS NOT NULL))
        );
        CREATE INDEX captures_sensor ON captures (sensor_id);
        CREATE INDEX captures_run ON captures (run_id) WHERE run_id IS NOT NULL;

        CREATE TABLE batches (
            id           bigserial PRIMARY KEY,
            producer     uuid NOT NULL,
            sequence     bigint NOT NULL,
            packet_count integer NOT NULL,
            flow_count   integer NOT NULL,
            committed_at timestamptz NOT NULL DEFAULT now(),
            UNIQUE (producer, sequence)
        );

        CREATE TABLE batch_sources (
            batch_id       bigint NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
            producer       uuid NOT NULL,
            first_sequence bigint NOT NULL,
            last_sequence  bigint NOT NULL,
            CHECK (first_sequence <= last_sequence),
            PRIMARY KEY (batch_id, producer, first_sequence)
        );
        CREATE INDEX batch_sources_producer ON batch_sources (producer, last_sequence);

        CREATE TABLE segments (
            id               bigserial PRIMARY KEY,
            path             text NOT NULL UNIQUE,
            sensor_id        uuid NOT NULL REFERENCES sensors (id),
            capture_id       bigint NOT NULL REFERENCES captures (id),
            linktype         integer NOT NULL,
            day              date NOT NULL,
            committed_length bigint NOT NULL DEFAULT 0 CHECK (committed_length >= 0),
            created_at       timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX segments_capture ON segments (capture_id);
        CREATE INDEX segments_day ON segments (day);

        CREATE TABLE packets (
            capture_id     bigint   NOT NULL,
            frame_number   bigint   NOT NULL,
            ts_ns          bigint   NOT NULL,
            anomalies      bigint   NOT NULL,
            flow_key       bigint,
            segment_id     bigint,
            segment_offset bigint,
            batch_id       bigint   NOT NULL,
            caplen         integer  NOT NULL,
            wirelen        integer  NOT NULL,
            l2t            integer  NOT NULL,
            l2l            integer  NOT NULL,
            l3t            integer  NOT NULL,
            l3o            integer  NOT NULL,
            l3l            integer  NOT NULL,
            l4o            integer  NOT NULL,
            l4l            integer  NOT NULL,
            l5o            integer  NOT NULL,
            l5l            integer  NOT NULL,
            src_port       integer,
            dst_port       integer,
            l4t            smallint NOT NULL,
            src            inet,
            dst            inet,
            vlan_ids       integer[],
            PRIMARY KEY (capture_id, frame_number, ts_ns)
        ) PARTITION BY RANGE (ts_ns);
        CREATE INDEX packets_flow_key ON packets (flow_key) WHERE flow_key IS NOT NULL;
        CREATE INDEX packets_batch ON packets USING brin (batch_id);

        CREATE SEQUENCE flows_id_seq AS bigint MAXVALUE 9007199254740991;
        CREATE TABLE flows (
            flow_key       bigint   NOT NULL,
            start_ns       bigint   NOT NULL,
            id             bigint   NOT NULL DEFAULT nextval('flows_id_seq'),
            capture_id     bigint   NOT NULL,
            end_ns         bigint   NOT NULL,
            first_frame    bigint   NOT NULL,
            src_packets    bigint   NOT NULL,
            src_bytes      bigint   NOT NULL,
            src_wire_bytes bigint   NOT NULL,
            dst_packets    bigint   NOT NULL,
            dst_bytes      bigint   NOT NULL,
            dst_wire_bytes bigint   NOT NULL,
            batch_id       bigint   NOT NULL,
            src_port       integer,
            dst_port       integer,
            src_tcp_flags  integer  NOT NULL,
            dst_tcp_flags  integer  NOT NULL,
            protocol       smallint NOT NULL,
            final          boolean  NOT NULL,
            reason         text     NOT NULL CHECK (reason IN ('period', 'timeout', 'evicted', 'end')),
            community_id   text     NOT NULL,
            src            inet     NOT NULL,
            dst            inet     NOT NULL,
            vlan_ids       integer[],
            PRIMARY KEY (flow_key, start_ns)
        ) PARTITION BY RANGE (start_ns);
        ALTER SEQUENCE flows_id_seq OWNED BY flows.id;
        CREATE INDEX flows_id ON flows (id);
        CREATE INDEX flows_community_id ON flows (community_id);
        CREATE INDEX flows_capture ON flows (capture_id, first_frame);
        CREATE INDEX flows_batch ON flows (batch_id);
        """)
}
