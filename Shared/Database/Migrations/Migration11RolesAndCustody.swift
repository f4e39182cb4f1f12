import PostgresClient

extension Migrations {
    /// Roles on API keys (keys made before are admins, as they could do
    /// everything), and the chain of custody of a file capture: the SHA-256
    /// and size of the file it was read from (NULL for live captures and
    /// captures stored before).
    static let rolesAndCustody = Migration(version: 11, name: "key roles and capture file digests", sql: """
        ALTER TABLE api_keys ADD COLUMN role text NOT NULL DEFAULT 'admin'
            CHECK (role IN ('admin', 'analyst', 'viewer', 'sensor'));
        ALTER TABLE api_keys ALTER COLUMN role DROP DEFAULT;

        ALTER TABLE captures
            ADD COLUMN sha256    bytea CHECK (length(sha256) = 32),
            ADD COLUMN file_size bigint CHECK (file_size >= 0),
            ADD CONSTRAINT captures_file_digest CHECK ((sha256 IS NULL) = (file_size IS NULL));
        """)
}
