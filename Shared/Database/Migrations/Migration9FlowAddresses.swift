import PostgresClient

extension Migrations {
    /// Flows by address: a search by IP finds its flows here, and a packets
    /// search by IP reaches its packets through those flows' keys
    /// (`FlowScope`) instead of testing every packet in order.
    static let flowAddresses = Migration(version: 9, name: "flows by address", sql: """
        CREATE INDEX flows_src ON flows (src);
        CREATE INDEX flows_dst ON flows (dst);
        """)
}
