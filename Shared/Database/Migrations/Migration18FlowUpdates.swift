import PostgresClient

extension Migrations {
    /// A flow's later reports update its row in place (HOT: no index entry
    /// is written) instead of as a new version in all seven indexes of
    /// `flows` (issue 16). `flows.batch_id` is now the batch that inserted
    /// the row and is never updated; `flow_updates` lists, per batch, the
    /// flows it updated, for readers of the new-data cursor (hunts). A
    /// flows partition leaves half of each page free for the new versions
    /// (`PartitionManager.Table.flows`); existing ones do so for new pages.
    static let flowUpdates = Migration(version: 18, name: "flow updates in place", sql: """
        CREATE TABLE flow_updates (
            batch_id  bigint   PRIMARY KEY REFERENCES batches (id) ON DELETE CASCADE,
            flow_keys bigint[] NOT NULL,
            starts    bigint[] NOT NULL
        );
        DO $$
        DECLARE partition regclass;
        BEGIN
            FOR partition IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'flows'::regclass LOOP
                EXECUTE format('ALTER TABLE %s SET (fillfactor = 50)', partition);
            END LOOP;
        END $$;
        """)
}
