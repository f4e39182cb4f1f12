import PostgresClient

extension Migrations {
    /// One table per application protocol (docs/DATA.md "Events"), range-
    /// partitioned by UTC day of the event's time like packets and flows.
    /// (capture, flow key, time, sequence in the flow) names an event, so a
    /// restarted decoder's replay finds the events stored; `id` (one sequence
    /// over all tables) is the API's id and cursor. The columns after `doc`
    /// are the fields `EventTable` lists; `doc` is the whole event.
    static let events = Migration(version: 6, name: "application-layer events", sql: """
        CREATE SEQUENCE events_id_seq AS bigint MAXVALUE 9007199254740991;

        CREATE TABLE dns_events (
            id           bigint   NOT NULL DEFAULT nextval('events_id_seq'),
            capture_id   bigint   NOT NULL,
            flow_key     bigint   NOT NULL,
            ts_ns        bigint   NOT NULL,
            batch_id     bigint   NOT NULL,
            sequence     integer  NOT NULL,
            community_id text     NOT NULL,
            frames       bigint[] NOT NULL,
            doc          jsonb    NOT NULL,
            dns_id       bigint,
            question_name text,
            question_type text,
            response_code text,
            resolved_ip  inet[],
            PRIMARY KEY (capture_id, flow_key, ts_ns, sequence)
        ) PARTITION BY RANGE (ts_ns);
        CREATE INDEX dns_events_id ON dns_events (id);
        CREATE INDEX dns_events_capture ON dns_events (capture_id, id);
        CREATE INDEX dns_events_batch ON dns_events USING brin (batch_id);

        CREATE TABLE http_events (
            id           bigint   NOT NULL DEFAULT nextval('events_id_seq'),
            capture_id   bigint   NOT NULL,
            flow_key     bigint   NOT NULL,
            ts_ns        bigint   NOT NULL,
            batch_id     bigint   NOT NULL,
            sequence     integer  NOT NULL,
            community_id text     NOT NULL,
            frames       bigint[] NOT NULL,
            doc          jsonb    NOT NULL,
            method       text,
            url          text,
            host         text,
            status_code  bigint,
            user_agent   text,
            PRIMARY KEY (capture_id, flow_key, ts_ns, sequence)
        ) PARTITION BY RANGE (ts_ns);
        CREATE INDEX http_events_id ON http_events (id);
        CREATE INDEX http_events_capture ON http_events (capture_id, id);
        CREATE INDEX http_events_batch ON http_events USING brin (batch_id);

        CREATE TABLE tls_events (
            id           bigint   NOT NULL DEFAULT nextval('events_id_seq'),
            capture_id   bigint   NOT NULL,
            flow_key     bigint   NOT NULL,
            ts_ns        bigint   NOT NULL,
            batch_id     bigint   NOT NULL,
            sequence     integer  NOT NULL,
            community_id text     NOT NULL,
            frames       bigint[] NOT NULL,
            doc          jsonb    NOT NULL,
            server_name  text,
            version      text,
            ja3          text,
            ja3s         text,
            ja4          text,
            subject      text,
            issuer       text,
            PRIMARY KEY (capture_id, flow_key, ts_ns, sequence)
        ) PARTITION BY RANGE (ts_ns);
        CREATE INDEX tls_events_id ON tls_events (id);
        CREATE INDEX tls_events_capture ON tls_events (capture_id, id);
        CREATE INDEX tls_events_batch ON tls_events USING brin (batch_id);

        CREATE TABLE dhcp_events (
            id           bigint   NOT NULL DEFAULT nextval('events_id_seq'),
            capture_id   bigint   NOT NULL,
            flow_key     bigint   NOT NULL,
            ts_ns        bigint   NOT NULL,
            batch_id     bigint   NOT NULL,
            sequence     integer  NOT NULL,
            community_id text     NOT NULL,
            frames       bigint[] NOT NULL,
            doc          jsonb    NOT NULL,
            message_type text,
            transaction_id text,
            client_mac   text,
            hostname     text,
            assigned_address inet,
            requested_address inet,
            PRIMARY KEY (capture_id, flow_key, ts_ns, sequence)
        ) PARTITION BY RANGE (ts_ns);
        CREATE INDEX dhcp_events_id ON dhcp_events (id);
        CREATE INDEX dhcp_events_capture ON dhcp_events (capture_id, id);
        CREATE INDEX dhcp_events_batch ON dhcp_events USING brin (batch_id);

        CREATE TABLE icmp_events (
            id           bigint   NOT NULL DEFAULT nextval('events_id_seq'),
            capture_id   bigint   NOT NULL,
            flow_key     bigint   NOT NULL,
            ts_ns        bigint   NOT NULL,
            batch_id     bigint   NOT NULL,
            sequence     integer  NOT NULL,
            community_id text     NOT NULL,
            frames       bigint[] NOT NULL,
            doc          jsonb    NOT NULL,
            version      bigint,
            request_type bigint,
            request_code bigint,
            response_type bigint,
            response_code bigint,
            PRIMARY KEY (capture_id, flow_key, ts_ns, sequence)
        ) PARTITION BY RANGE (ts_ns);
        CREATE INDEX icmp_events_id ON icmp_events (id);
        CREATE INDEX icmp_events_capture ON icmp_events (capture_id, id);
        CREATE INDEX icmp_events_batch ON icmp_events USING brin (batch_id);
        """)
}
