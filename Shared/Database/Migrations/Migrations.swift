import PostgresClient

/// Every migration of NetSift's schema, oldest first. Append; never edit one
/// that has shipped.
public enum Migrations {
    public static let all: [Migration] = [
        Migration(version: 1, name: "schema_migrations", sql: """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            );
            """),
        trafficSchema,
        liveCapture,
        apiKeys,
        flowPacketOrder,
        events,
        searches,
        hunts,
        flowAddresses,
        eventText,
        rolesAndCustody,
        captureActivity,
        searchOwners,
        packetIndex,
        eventFields,
        searchResultRecords,
        legacyPackets,
        flowUpdates,
    ]
}
