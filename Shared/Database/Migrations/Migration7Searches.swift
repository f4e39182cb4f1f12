import PostgresClient

extension Migrations {
    /// Searches that run in the background (docs/QUERY.md, "Asynchronous
    /// searches"): the request, its status, and its results in order.
    /// `search_results.item` is a frame number (packets, with `ts_ns` so a
    /// page reads only the partitions of its packets), a flow id or an event id.
    static let searches = Migration(version: 7, name: "asynchronous searches", sql: """
        CREATE TABLE searches (
            id          bigserial PRIMARY KEY,
            query       text NOT NULL,
            target      text NOT NULL CHECK (target IN ('packets', 'flows', 'events')),
            dataset     text,
            start_ns    bigint,
            end_ns      bigint,
            status      text NOT NULL DEFAULT 'queued'
                        CHECK (status IN ('queued', 'running', 'complete', 'failed', 'cancelled')),
            found       bigint NOT NULL DEFAULT 0,
            error       text,
            backend_pid integer,
            created_at  timestamptz NOT NULL DEFAULT now(),
            finished_at timestamptz
        );
        CREATE INDEX searches_queued ON searches (id) WHERE status = 'queued';

        CREATE TABLE search_results (
            search_id  bigint NOT NULL REFERENCES searches (id) ON DELETE CASCADE,
            ordinal    bigint NOT NULL,
            capture_id bigint NOT NULL,
            item       bigint NOT NULL,
            ts_ns      bigint,
            PRIMARY KEY (search_id, ordinal)
        );
        """)
}
