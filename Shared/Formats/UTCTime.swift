/// Time as NetSift keeps it: int64 nanoseconds since the Unix epoch, UTC
/// (docs/DATA.md). Calendar arithmetic without calendar objects.

/// UTC days since 1970-01-01 and their `yyyy-mm-dd` names (proleptic
/// Gregorian, Howard Hinnant's civil-date algorithms; no calendar objects).
public enum UTCDay {
    public static let nanosecondsPerDay: Int64 = 86_400 * 1_000_000_000

    /// The day of a nanosecond timestamp, rounding down for times before 1970.
    public static func of(nanoseconds: Int64) -> Int32 {
        var day = nanoseconds / nanosecondsPerDay
        if nanoseconds % nanosecondsPerDay < 0 { day -= 1 }
        return Int32(truncatingIfNeeded: day)
    }

    /// The first nanosecond of a day.
    public static func start(of day: Int32) -> Int64 { Int64(day) * nanosecondsPerDay }

    public static func civil(_ day: Int32) -> (year: Int, month: Int, day: Int) {
        let z = Int(day) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    public static func from(year: Int, month: Int, day: Int) -> Int32 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return Int32(truncatingIfNeeded: era * 146_097 + doe - 719_468)
    }

    /// `yyyy-mm-dd`.
    public static func string(_ day: Int32) -> String {
        let c = civil(day)
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))"
    }

    /// Parses `yyyy-mm-dd` (and only a real date); nil otherwise.
    public static func parse(_ text: some StringProtocol) -> Int32? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...12).contains(m), (1...31).contains(d) else { return nil }
        let day = from(year: y, month: m, day: d)
        let back = civil(day)
        guard back.year == y, back.month == m, back.day == d else { return nil }
        return day
    }
}

/// RFC 3339 UTC text with nanoseconds for int64 nanoseconds since the epoch.
public enum Timestamp {
    public static func rfc3339(_ nanos: Int64) -> String {
        let day = UTCDay.of(nanoseconds: nanos)
        let inDay = nanos - UTCDay.start(of: day)
        let secondOfDay = inDay / 1_000_000_000
        let fraction = inDay % 1_000_000_000
        return UTCDay.string(day) + "T"
            + pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
            + "." + pad(fraction, 9) + "Z"
    }

    static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
