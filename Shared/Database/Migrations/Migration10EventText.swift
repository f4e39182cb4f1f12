import PostgresClient

extension Migrations {
    /// Trigram indexes on the event text analysts search most: a DNS name,
    /// an SNI and a URL by equality, wildcard, `contains`, `startswith`,
    /// `endswith` (all compiled to LIKE) or `matches` (regex). An indicator
    /// that is not there is then answered from the index instead of a scan
    /// of every event. pg_trgm is a trusted extension: the database owner
    /// may create it.
    static let eventText = Migration(version: 10, name: "event text indexes", sql: """
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        CREATE INDEX dns_events_question_name ON dns_events USING gin (question_name gin_trgm_ops);
        CREATE INDEX tls_events_server_name ON tls_events USING gin (server_name gin_trgm_ops);
        CREATE INDEX http_events_url ON http_events USING gin (url gin_trgm_ops);
        """)
}
