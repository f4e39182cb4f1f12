import Database
import Formats
import TestSupport
import Testing

/// `PartitionLayout`: days near today, years (less what exists) elsewhere.
struct PartitionLayoutTests {
    typealias Span = PartitionLayout.Span
    static let day = UTCDay.nanosecondsPerDay
    static let today: Int64 = 20_429   // 2025-12-07
    let layout = PartitionLayout(recentDays: 35, aheadDays: 2)

    static func time(_ date: String) -> Int64 {
        Int64(UTCDay.parse(date) ?? 0) * day + 3_600_000_000_000
    }

    static func days(_ first: String, _ end: String) -> Span {
        Span(days: Int64(UTCDay.parse(first) ?? 0), Int64(UTCDay.parse(end) ?? 0))
    }

    @Test func recentDaysAreDaily() {
        for date in ["2025-11-02", "2025-12-07", "2025-12-09"] {
            let span = layout.span(for: Self.time(date), today: Self.today, existing: [])
            #expect(span == Self.days(date, UTCDay.string((UTCDay.parse(date) ?? 0) + 1)), "\(date)")
        }
    }

    @Test func olderAndLaterDaysTakeTheirYearUpToTheRecentDays() {
        #expect(layout.span(for: Self.time("2019-06-30"), today: Self.today, existing: [])
                == Self.days("2019-01-01", "2020-01-01"))
        // The recent days begin on 2025-11-02.
        #expect(layout.span(for: Self.time("2025-03-01"), today: Self.today, existing: [])
                == Self.days("2025-01-01", "2025-11-02"))
        #expect(layout.span(for: Self.time("2025-12-30"), today: Self.today, existing: [])
                == Self.days("2025-12-10", "2026-01-01"))
        #expect(layout.span(for: Self.time("2031-02-03"), today: Self.today, existing: [])
                == Self.days("2031-01-01", "2032-01-01"))
    }

    @Test func aYearStopsAtTheNeighboursThatExist() {
        let existing = [Self.days("2019-03-10", "2019-03-11"), Self.days("2019-08-01", "2019-08-02"),
                        Self.days("2018-01-01", "2019-01-01")]
        #expect(layout.span(for: Self.time("2019-05-05"), today: Self.today, existing: existing)
                == Self.days("2019-03-11", "2019-08-01"))
        #expect(layout.span(for: Self.time("2019-01-02"), today: Self.today, existing: existing)
                == Self.days("2019-01-01", "2019-03-10"))
        #expect(layout.span(for: Self.time("2019-12-31"), today: Self.today, existing: existing)
                == Self.days("2019-08-02", "2020-01-01"))
    }

    @Test func int64sFirstAndLastYearsAreOpenEnded() {
        let first = layout.span(for: .min, today: Self.today, existing: [])
        #expect(first.lower == nil && first.upper == Self.days("1678-01-01", "1678-01-02").lower)
        let last = layout.span(for: .max, today: Self.today, existing: [])
        #expect(last.upper == nil && last.lower == Self.days("2262-01-01", "2262-01-02").lower)
        #expect(first.contains(.min) && last.contains(.max))
    }

    @Test func names() {
        #expect(PartitionLayout.name(table: "packets", span: Self.days("2004-12-05", "2004-12-06")) == "packets_20041205")
        #expect(PartitionLayout.name(table: "flows", span: Self.days("2004-01-01", "2005-01-01"))
                == "flows_20040101_20050101")
        #expect(PartitionLayout.name(table: "packets", span: Span(lower: nil, upper: 0)) == "packets_min_19700101")
        #expect(PartitionLayout.name(table: "packets", span: Span(lower: 0, upper: nil)) == "packets_19700101_max")
    }

    /// Times in any order, over any span: every partition holds its time,
    /// none overlaps another, and sparse years cost a partition each.
    @Test func anyOrderMakesDisjointSpansBoundedByYears() {
        var generator = SplitMix64(seed: 7)
        for round in 0..<40 {
            var spans: [Span] = []
            var years = Set<Int>()
            let base = Int64(generator.next() % 30_000) - 10_000
            for _ in 0..<300 {
                let day = base + Int64(generator.next() % (round.isMultiple(of: 2) ? 3_650 : 30))
                let time = day * Self.day + Int64(generator.next() % UInt64(Self.day))
                years.insert(UTCDay.civil(Int32(day)).year)
                if spans.contains(where: { $0.contains(time) }) { continue }
                let span = layout.span(for: time, today: Self.today, existing: spans.shuffled(using: &generator))
                #expect(span.contains(time))
                for other in spans {
                    #expect(!Self.overlap(span, other), "\(span) overlaps \(other)")
                }
                spans.append(span)
            }
            let recent = spans.filter { ($0.upper ?? .max) - ($0.lower ?? .min) == Self.day }.count
            // A year splits at most around the recent days (which are daily).
            #expect(spans.count - recent <= 2 * years.count, "\(spans.count) spans for \(years.count) years")
        }
    }

    static func overlap(_ a: Span, _ b: Span) -> Bool {
        (a.lower ?? .min) < (b.upper ?? .max) && (b.lower ?? .min) < (a.upper ?? .max)
    }
}
