import PostgresClient

extension Migrations {
    /// When a capture last showed its producer alive (a batch, statistics,
    /// its end), so storage can mark a running capture whose producer is gone
    /// `abandoned` (a killed `netsift ingest`) instead of running forever.
    static let captureActivity = Migration(version: 12, name: "capture activity and abandoned captures", sql: """
        ALTER TABLE captures DROP CONSTRAINT captures_status_check;
        ALTER TABLE captures ADD CONSTRAINT captures_status_check
            CHECK (status IN ('running', 'complete', 'failed', 'abandoned'));
        ALTER TABLE captures ADD COLUMN last_activity timestamptz NOT NULL DEFAULT now();
        """)
}
