import Formats

/// Which times a new partition covers. Near the present (where live traffic
/// arrives and age retention drops whole days) a partition is one UTC day.
/// Elsewhere it is the widest stretch of that day's calendar year that no
/// partition covers yet: ten years of sparse archives make about ten
/// partitions, not thousands, so a query over all time locks a bounded
/// number of tables (PostgreSQL's lock table holds
/// `max_locks_per_transaction` × connections; ~3,000 daily partitions of a
/// 3,000-day capture exhausted it for every reader).
///
/// Pure arithmetic over the existing partitions' bounds: `PartitionManager`
/// reads them from the catalog and creates what this chooses.
public struct PartitionLayout: Sendable {
    /// Half-open `[lower, upper)` in nanoseconds; nil is unbounded
    /// (`MINVALUE`/`MAXVALUE`, the first and last days int64 nanoseconds reach).
    public struct Span: Hashable, Sendable {
        public var lower: Int64?
        public var upper: Int64?

        public init(lower: Int64?, upper: Int64?) {
            self.lower = lower
            self.upper = upper
        }

        /// The span of UTC days `[firstDay, endDay)`.
        public init(days firstDay: Int64, _ endDay: Int64) {
            lower = Self.start(ofDay: firstDay)
            upper = Self.start(ofDay: endDay)
        }

        public func contains(_ time: Int64) -> Bool {
            (lower.map { $0 <= time } ?? true) && (upper.map { time < $0 } ?? true)
        }

        /// The first nanosecond of a day, or nil past int64's range.
        static func start(ofDay day: Int64) -> Int64? {
            let (product, overflow) = day.multipliedReportingOverflow(by: UTCDay.nanosecondsPerDay)
            return overflow ? nil : product
        }
    }

    /// Days before today that still get a partition each: a live sensor's
    /// recent past, which age retention drops day by day.
    public var recentDays: Int64
    /// Days after today that get a partition each (clocks that run ahead).
    public var aheadDays: Int64

    public init(recentDays: Int64 = 35, aheadDays: Int64 = 2) {
        self.recentDays = recentDays
        self.aheadDays = aheadDays
    }

    /// The span for a partition holding `time`, which no span of `existing`
    /// contains: its day when the day is recent, else its year less what
    /// other partitions (and the recent days) already cover.
    public func span(for time: Int64, today: Int64, existing: [Span]) -> Span {
        let day = Int64(UTCDay.of(nanoseconds: time))
        let recentFirst = today - recentDays
        let recentEnd = today + aheadDays + 1
        if day >= recentFirst, day < recentEnd { return Span(days: day, day + 1) }

        let year = UTCDay.civil(Int32(truncatingIfNeeded: day)).year
        var first = Int64(UTCDay.from(year: year, month: 1, day: 1))
        var end = Int64(UTCDay.from(year: year + 1, month: 1, day: 1))
        if day < recentFirst { end = min(end, recentFirst) } else { first = max(first, recentEnd) }
        var span = Span(days: first, end)
        // Clip to the neighbours: nothing may overlap an existing partition.
        for other in existing {
            if let otherEnd = other.upper, otherEnd <= time {
                span.lower = max(span.lower ?? otherEnd, otherEnd)
            } else if let otherStart = other.lower, otherStart > time {
                span.upper = min(span.upper ?? otherStart, otherStart)
            }
        }
        return span
    }

    /// `packets_20041205` for one day, `packets_20040101_20041130` for a
    /// longer span; `min`/`max` name an unbounded end. Digits and the
    /// table's own name only: safe to splice into DDL.
    public static func name(table: String, span: Span) -> String {
        func date(_ bound: Int64?, unbounded: String) -> String {
            guard let bound else { return unbounded }
            return UTCDay.string(UTCDay.of(nanoseconds: bound)).filter { $0 != "-" }
        }
        if let lower = span.lower, let upper = span.upper, upper - lower == UTCDay.nanosecondsPerDay {
            return "\(table)_" + date(lower, unbounded: "")
        }
        return "\(table)_" + date(span.lower, unbounded: "min") + "_" + date(span.upper, unbounded: "max")
    }
}
