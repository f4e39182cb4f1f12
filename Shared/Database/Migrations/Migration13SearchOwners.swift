import PostgresClient

extension Migrations {
    /// Background searches know the API key that started them (its SHA-256,
    /// hex; NULL for searches started before), so one key's queued and
    /// running searches can be counted; finished ones are found by age for
    /// their expiry.
    static let searchOwners = Migration(version: 13, name: "search owners", sql: """
        ALTER TABLE searches ADD COLUMN owner_key_hash text CHECK (owner_key_hash ~ '^[0-9a-f]{64}$');
        CREATE INDEX searches_active_owner ON searches (owner_key_hash) WHERE status IN ('queued', 'running');
        CREATE INDEX searches_finished_at ON searches (finished_at) WHERE finished_at IS NOT NULL;
        """)
}
