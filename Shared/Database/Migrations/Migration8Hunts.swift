import PostgresClient

extension Migrations {
    /// Hunts (docs/QUERY.md, "Hunts"): saved queries run again and again
    /// over newly stored flows, and the flows each one matched.
    ///
    /// `batches.xid` is the transaction that committed the batch (the
    /// default is evaluated in the batch's own transaction); a hunt's
    /// `cursor` is the snapshot its last run read in. The flows new to a run
    /// are those whose batch is not visible in that snapshot, whatever order
    /// the batches committed in.
    static let hunts = Migration(version: 8, name: "hunts", sql: """
        ALTER TABLE batches ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id();
        CREATE INDEX batches_xid ON batches (xid);

        CREATE TABLE hunts (
            id               bigserial PRIMARY KEY,
            name             text NOT NULL UNIQUE,
            query            text NOT NULL,
            target           text NOT NULL CHECK (target IN ('packets', 'flows', 'events')),
            dataset          text,
            interval_seconds integer CHECK (interval_seconds > 0),
            enabled          boolean NOT NULL DEFAULT true,
            created_at       timestamptz NOT NULL DEFAULT now(),
            last_run_at      timestamptz,
            last_error       text,
            matched          bigint NOT NULL DEFAULT 0,
            cursor           pg_snapshot
        );

        CREATE TABLE hunt_matches (
            hunt_id    bigint NOT NULL REFERENCES hunts (id) ON DELETE CASCADE,
            capture_id bigint NOT NULL,
            flow_key   bigint NOT NULL,
            start_ns   bigint NOT NULL,
            ordinal    bigint NOT NULL,
            matched_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (hunt_id, capture_id, flow_key),
            UNIQUE (hunt_id, ordinal)
        );
        """)
}
