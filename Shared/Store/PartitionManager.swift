import Model
/// Creates the daily partitions of the traffic tables on demand, for any
/// UTC day a row carries (an offline capture may be decades old), and
/// remembers the days it has seen so the common case costs a set lookup.
///
/// Creation is idempotent and safe against other writers: each day takes a
/// transaction-scoped advisory lock on (table, day), then runs
/// `CREATE TABLE IF NOT EXISTS … PARTITION OF`; a second creator waits on the
/// lock and then finds the committed table. Outside a transaction each day
/// is created in a short transaction of its own, so the parent's lock is
/// held for milliseconds and a partition that exists is always committed
/// (an empty partition left by a batch that later fails is harmless). Inside
/// a caller's transaction the work joins it, and the cache learns the days
/// only through `confirm`, after the caller commits.
///
/// A value confined to the thread that owns its connection.
public struct PartitionManager {
    /// A table range-partitioned on a bigint nanosecond column.
    public struct Table: Hashable, Sendable {
        public let name: String
        /// Tag of the table in the advisory lock's first key.
        let lockTag: Int32

        public static let packets = Table(name: "packets", lockTag: 0x4E53_5001)
        public static let flows = Table(name: "flows", lockTag: 0x4E53_5002)
        public static let dnsEvents = Table(name: "dns_events", lockTag: 0x4E53_5003)
        public static let httpEvents = Table(name: "http_events", lockTag: 0x4E53_5004)
        public static let tlsEvents = Table(name: "tls_events", lockTag: 0x4E53_5005)
        public static let dhcpEvents = Table(name: "dhcp_events", lockTag: 0x4E53_5006)
        public static let icmpEvents = Table(name: "icmp_events", lockTag: 0x4E53_5007)
    }

    public static let nanosecondsPerDay: Int64 = 86_400_000_000_000

    private var known: [Table: Set<Int64>] = [:]

    public init() {}

    /// UTC day number (days since 1970-01-01, negative before) of a time.
    public static func day(ofUnixNanoseconds nanoseconds: Int64) -> Int64 {
        let (quotient, remainder) = nanoseconds.quotientAndRemainder(dividingBy: nanosecondsPerDay)
        return remainder < 0 ? quotient - 1 : quotient
    }

    /// `packets_20041205`: the table name and the day's UTC date.
    public static func partitionName(_ table: Table, day: Int64) -> String {
        "\(table.name)_" + UTCDay.string(Int32(truncatingIfNeeded: day)).filter { $0 != "-" }
    }

    /// Whether the cache already knows the day.
    public func isKnown(_ table: Table, day: Int64) -> Bool {
        known[table]?.contains(day) == true
    }

    /// Ensures a partition for each day of `times` (nanoseconds); returns
    /// the days that were not in the cache (created now, or found existing).
    @discardableResult
    public mutating func ensure<Times: Sequence>(_ table: Table, coveringTimes times: Times,
                                                 on connection: PostgresConnection) throws -> [Int64]
    where Times.Element == Int64 {
        var days = Set<Int64>()
        var lastDay: Int64? = nil
        for time in times {
            let day = Self.day(ofUnixNanoseconds: time)
            if day == lastDay { continue }   // rows arrive mostly in time order
            lastDay = day
            days.insert(day)
        }
        return try ensure(table, days: days, on: connection)
    }

    @discardableResult
    public mutating func ensure(_ table: Table, days: Set<Int64>, on connection: PostgresConnection) throws -> [Int64] {
        let missing = days.filter { !isKnown(table, day: $0) }.sorted()
        guard !missing.isEmpty else { return [] }
        if connection.isInTransaction {
            for day in missing { try create(table, day: day, on: connection) }
            // The caller's transaction may still roll back: `confirm` after it commits.
        } else {
            for day in missing {
                try connection.transaction { try create(table, day: day, on: $0) }
                known[table, default: []].insert(day)
            }
        }
        return missing
    }

    /// Records days created inside a caller's transaction once it committed.
    public mutating func confirm(_ table: Table, days: [Int64]) {
        known[table, default: []].formUnion(days)
    }

    /// Forgets every cached day (e.g. after partitions were dropped by retention).
    public mutating func forgetAll() { known.removeAll() }

    private func create(_ table: Table, day: Int64, on connection: PostgresConnection) throws {
        guard let dayKey = Int32(exactly: day) else {
            throw PostgresError(kind: .invalidArgument, message: "day \(day) is out of range for a partition")
        }
        try connection.query("SELECT pg_advisory_xact_lock($1, $2)", [table.lockTag, dayKey])
        // Bounds are computed here and are integers; the name is built from
        // digits: nothing from outside is spliced into the statement.
        let (lowerProduct, lowerOverflow) = day.multipliedReportingOverflow(by: Self.nanosecondsPerDay)
        let (upperProduct, upperOverflow) = (day + 1).multipliedReportingOverflow(by: Self.nanosecondsPerDay)
        let lower = lowerOverflow ? "MINVALUE" : String(lowerProduct)
        let upper = upperOverflow ? "MAXVALUE" : String(upperProduct)
        try connection.execute("""
            CREATE TABLE IF NOT EXISTS \(Self.partitionName(table, day: day))
            PARTITION OF \(table.name) FOR VALUES FROM (\(lower)) TO (\(upper))
            """)
    }
}
