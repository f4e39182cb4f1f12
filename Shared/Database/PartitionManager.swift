import Events
import Formats
import Foundation
import PostgresClient

/// Creates the partitions of the traffic tables on demand, for any time a
/// row carries (an offline capture may be decades old), with the spans
/// `PartitionLayout` chooses, and remembers the partitions it has seen so
/// the common case costs a lookup.
///
/// Creation is idempotent and safe against other writers: it runs outside
/// any caller's transaction, in a short transaction of its own that takes an
/// advisory lock on the table, reads the partitions that exist, and creates
/// one only where none covers the time. A second creator waits on the lock
/// and then finds the committed table. The parent table's lock is held for
/// milliseconds, and a partition that exists is always committed (an empty
/// one left by a batch that later fails is harmless).
///
/// A value confined to the thread that owns its connection.
public struct PartitionManager {
    /// A table range-partitioned on a bigint nanosecond column.
    public struct Table: Hashable, Sendable {
        public let name: String
        /// Tag of the table in the advisory lock's first key.
        let lockTag: Int32
        /// A new partition's storage parameters (`WITH (…)`), if any.
        var parameters: String? = nil

        /// Half of each page is left free, so that a flow's later report
        /// fits beside its row and updates it in place (HOT, migration 18).
        public static let flows = Table(name: "flows", lockTag: 0x4E53_5002, parameters: "fillfactor = 50")
        public static let packetRuns = Table(name: "packet_runs", lockTag: 0x4E53_5100)

        /// A dataset's events table; its lock tag follows from its wire code.
        public static func events(_ dataset: Dataset) -> Table {
            Table(name: dataset.table, lockTag: 0x4E53_5003 + Int32(dataset.code))
        }
    }

    public typealias Span = PartitionLayout.Span

    public static let nanosecondsPerDay: Int64 = UTCDay.nanosecondsPerDay

    public var layout: PartitionLayout
    /// Today's UTC day number; the layout keeps days near it daily.
    public var today: @Sendable () -> Int64

    private var known: [Table: [Span]] = [:]

    public init(layout: PartitionLayout = PartitionLayout(),
                today: @escaping @Sendable () -> Int64 = PartitionManager.currentDay) {
        self.layout = layout
        self.today = today
    }

    @Sendable public static func currentDay() -> Int64 {
        Int64(UTCDay.of(nanoseconds: Int64(Date().timeIntervalSince1970 * 1e9)))
    }

    /// UTC day number (days since 1970-01-01, negative before) of a time.
    public static func day(ofUnixNanoseconds nanoseconds: Int64) -> Int64 {
        Int64(UTCDay.of(nanoseconds: nanoseconds))
    }

    /// Whether a known partition holds the time.
    public func isKnown(_ table: Table, time: Int64) -> Bool {
        known[table]?.contains { $0.contains(time) } == true
    }

    /// Ensures a partition holds each of `times` (nanoseconds); returns the
    /// partitions that were not in the cache (created now, or found existing).
    /// Call it outside a transaction.
    @discardableResult
    public mutating func ensure<Times: Sequence>(_ table: Table, coveringTimes times: Times,
                                                 on connection: PostgresConnection) throws -> [Span]
    where Times.Element == Int64 {
        var missing: [Int64] = []
        var lastDay: Int64? = nil
        for time in times {
            let day = Self.day(ofUnixNanoseconds: time)
            if day == lastDay { continue }   // rows arrive mostly in time order
            lastDay = day
            if !isKnown(table, time: time) { missing.append(time) }
        }
        guard !missing.isEmpty else { return [] }
        guard !connection.isInTransaction else {
            throw PostgresError(kind: .invalidArgument, message: "partitions are created outside a transaction")
        }
        var found: [Span] = []
        for time in missing.sorted() where !isKnown(table, time: time) {
            let (layout, today) = (layout, today())
            let (existing, span) = try connection.transaction {
                try Self.create(table, holding: time, layout: layout, today: today, on: $0)
            }
            // Learnt only once committed.
            known[table] = existing.contains(span) ? existing : existing + [span]
            found.append(span)
        }
        return found
    }

    /// Ensures a partition for each UTC day (its first nanosecond, or the
    /// first one int64 reaches).
    @discardableResult
    public mutating func ensure(_ table: Table, days: Set<Int64>, on connection: PostgresConnection) throws -> [Span] {
        try ensure(table, coveringTimes: days.sorted().map { Span.start(ofDay: $0) ?? .min }, on: connection)
    }

    /// Forgets every cached partition (e.g. after retention dropped some).
    public mutating func forgetAll() { known.removeAll() }

    /// Under the table's lock: the partitions that exist, and the one
    /// holding `time` (found, or created with the layout's span).
    private static func create(_ table: Table, holding time: Int64, layout: PartitionLayout, today: Int64,
                               on connection: PostgresConnection) throws -> (existing: [Span], span: Span) {
        try connection.query("SELECT pg_advisory_xact_lock($1, 0)", [table.lockTag])
        let existing = try partitions(of: table, on: connection)
        if let span = existing.first(where: { $0.contains(time) }) { return (existing, span) }
        let span = layout.span(for: time, today: today, existing: existing)
        // Bounds are integers computed here and the name is built from
        // digits: nothing from outside is spliced into the statement.
        try connection.execute("""
            CREATE TABLE \(PartitionLayout.name(table: table.name, span: span))
            PARTITION OF \(table.name) FOR VALUES FROM (\(span.lower.map(String.init) ?? "MINVALUE")) \
            TO (\(span.upper.map(String.init) ?? "MAXVALUE"))\(table.parameters.map { " WITH (\($0))" } ?? "")
            """)
        return (existing, span)
    }

    /// The bounds of every partition of `table`, from the catalog.
    static func partitions(of table: Table, on connection: PostgresConnection) throws -> [Span] {
        try connection.query("""
            SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = $1::regclass
            """, [table.name]).rows.compactMap { $0[0].flatMap(span(ofBound:)) }
    }

    /// `FOR VALUES FROM ('1') TO ('2')`, `FROM (MINVALUE) TO (…)`.
    static func span(ofBound text: String) -> Span? {
        func value(after marker: String) -> Int64?? {
            guard let start = text.range(of: marker)?.upperBound,
                  let close = text[start...].firstIndex(of: ")") else { return nil }
            let literal = text[start..<close].filter { $0 != "'" }
            if literal == "MINVALUE" || literal == "MAXVALUE" { return .some(nil) }
            return Int64(literal).map { .some($0) }
        }
        guard let lower = value(after: "FROM ("), let upper = value(after: "TO (") else { return nil }
        return Span(lower: lower, upper: upper)
    }
}
