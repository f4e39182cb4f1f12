import PostgresClient

extension Migrations {
    /// Packets live in the packet index beside the pcap store (issue 16):
    /// the one-row-per-packet table is no longer written or read. Its rows
    /// are kept, renamed, until storage has written them into index files
    /// for the segments stored before the index existed (`LegacyPackets`),
    /// which then drops the table: an upgrade loses no packet.
    static let legacyPackets = Migration(version: 17, name: "packet rows retired", sql: """
        ALTER TABLE packets RENAME TO legacy_packets;
        """)
}
