import PostgresClient

extension Migrations {
    /// A flow's packets in frame order straight from the index, so a flow's
    /// download pages by frame number without sorting the flow each page.
    static let flowPacketOrder = Migration(version: 5, name: "flow packets in frame order", sql: """
        DROP INDEX packets_flow_key;
        CREATE INDEX packets_flow_key ON packets (flow_key, frame_number) WHERE flow_key IS NOT NULL;
        """)
}
