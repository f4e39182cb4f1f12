import PostgresClient

extension Migrations {
    /// API keys: only the SHA-256 of each key is kept, never the key.
    static let apiKeys = Migration(version: 4, name: "api keys", sql: """
        CREATE TABLE api_keys (
            id           bigserial PRIMARY KEY,
            name         text NOT NULL,
            key_hash     bytea NOT NULL UNIQUE CHECK (length(key_hash) = 32),
            created_at   timestamptz NOT NULL DEFAULT now(),
            revoked_at   timestamptz
        );
        """)
}
