import PostgresClient

extension Migrations {
    /// Events without the JSON round trip (issue 16): a row keeps the
    /// event's fields that no typed column holds in `fields` (bytea,
    /// `StoredEventFields`), and search rebuilds the document from it and
    /// the columns. Rows stored before keep their `doc` and are read as
    /// before until retention removes them; every row has one or the other.
    /// Adding a column without a default and dropping NOT NULL change only
    /// the catalog; the check reads each table once.
    static let eventFields = Migration(version: 15, name: "event fields without documents", sql: """
        ALTER TABLE dns_events ADD COLUMN fields bytea, ALTER COLUMN doc DROP NOT NULL,
            ADD CONSTRAINT dns_events_doc_or_fields CHECK ((doc IS NULL) <> (fields IS NULL));
        ALTER TABLE http_events ADD COLUMN fields bytea, ALTER COLUMN doc DROP NOT NULL,
            ADD CONSTRAINT http_events_doc_or_fields CHECK ((doc IS NULL) <> (fields IS NULL));
        ALTER TABLE tls_events ADD COLUMN fields bytea, ALTER COLUMN doc DROP NOT NULL,
            ADD CONSTRAINT tls_events_doc_or_fields CHECK ((doc IS NULL) <> (fields IS NULL));
        ALTER TABLE dhcp_events ADD COLUMN fields bytea, ALTER COLUMN doc DROP NOT NULL,
            ADD CONSTRAINT dhcp_events_doc_or_fields CHECK ((doc IS NULL) <> (fields IS NULL));
        ALTER TABLE icmp_events ADD COLUMN fields bytea, ALTER COLUMN doc DROP NOT NULL,
            ADD CONSTRAINT icmp_events_doc_or_fields CHECK ((doc IS NULL) <> (fields IS NULL));
        """)
}
