import PostgresClient

extension Migrations {
    /// A packets search's results say where each packet's entry lies in the
    /// packet index (`segment_id` → segments, `record`: its number in the
    /// segment's index), and its pages are read from the index, not from
    /// `packets`; `ts_ns`, which let a page read only its packets'
    /// partitions of that table, goes. Results stored before name no record
    /// and cannot be given one in SQL (the record of a frame is known only
    /// by reading the index, and older segments have none), so their
    /// searches are queued again, without results, and a runner stores
    /// them anew (docs/DATA.md, `search_results`).
    static let searchResultRecords = Migration(version: 16, name: "search results by packet index record", sql: """
        ALTER TABLE search_results ADD COLUMN segment_id bigint, ADD COLUMN record bigint, DROP COLUMN ts_ns;
        UPDATE searches s SET status = 'queued', found = 0, error = NULL, finished_at = NULL, backend_pid = NULL
        WHERE s.target = 'packets' AND s.status = 'complete'
            AND EXISTS (SELECT 1 FROM search_results r WHERE r.search_id = s.id AND r.record IS NULL);
        DELETE FROM search_results r USING searches s
        WHERE s.id = r.search_id AND s.target = 'packets' AND r.record IS NULL;
        """)
}
