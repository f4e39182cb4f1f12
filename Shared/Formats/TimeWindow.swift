import Foundation

/// The time a search covers: packets whose time, flows whose lifetime and
/// events whose time fall in `[start, end)` (nanoseconds since the Unix
/// epoch; a missing bound is open). Daily partitions outside it are pruned.
public struct TimeWindow: Sendable, Hashable {
    public var start: Int64?
    public var end: Int64?

    public init(start: Int64? = nil, end: Int64? = nil) {
        self.start = start
        self.end = end
    }

    public var isOpen: Bool { start == nil && end == nil }

    /// `last` (a duration back from `now`: `90s`, `15m`, `1h`, `7d`, `2w`)
    /// or `after`/`before` (RFC 3339 instants, e.g. `2024-05-01T12:00:00Z`;
    /// `after` inclusive, `before` exclusive). `last` and `after` exclude each other.
    public static func parse(last: String? = nil, after: String? = nil, before: String? = nil,
                             now: Int64) throws(WindowError) -> TimeWindow {
        var window = TimeWindow()
        if let last {
            guard after == nil else { throw WindowError("give either a duration back from now or a start time, not both") }
            let nanoseconds = try duration(last)
            window.start = now &- nanoseconds
        }
        if let after { window.start = try instant(after) }
        if let before { window.end = try instant(before) }
        if let start = window.start, let end = window.end, start >= end {
            throw WindowError("the window starts at or after its end")
        }
        return window
    }

    /// A duration's units: seconds in one, and the digits its count may
    /// have (up to 190 years or so, well within `Int64` nanoseconds).
    public static let units: [(unit: Character, seconds: Int64, digits: Int)] = [
        ("s", 1, 9), ("m", 60, 8), ("h", 3_600, 6), ("d", 86_400, 5), ("w", 604_800, 4),
    ]

    /// `15m` → 900 s in nanoseconds. The count is decimal digits without a
    /// sign or a leading zero (the OpenAPI document's pattern says the same).
    public static func duration(_ text: String) throws(WindowError) -> Int64 {
        let count = text.dropLast()
        guard let unit = units.first(where: { $0.unit == text.last }), let first = count.first, first != "0",
              count.utf8.allSatisfy({ (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains($0) }) else {
            throw WindowError("`\(text)` is not a duration", hint: "a count and a unit: 90s, 15m, 1h, 7d, 2w")
        }
        guard count.count <= unit.digits, let value = Int64(count) else {
            throw WindowError("`\(text)` is too long a duration", hint: "at most \(unit.digits) digits before `\(unit.unit)`")
        }
        return value * unit.seconds * 1_000_000_000
    }

    /// An RFC 3339 instant (`2024-05-01T12:00:00Z`, `…T12:00:00.123456789+02:00`) in nanoseconds.
    public static func instant(_ text: String) throws(WindowError) -> Int64 {
        // Fractional seconds are read here to the nanosecond; the formatter takes the rest.
        var whole = text
        var fraction: Int64 = 0
        if let dot = text.firstIndex(of: "."),
           let zone = text[dot...].firstIndex(where: { $0 == "Z" || $0 == "z" || $0 == "+" || $0 == "-" }) {
            let digits = text[text.index(after: dot) ..< zone]
            guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy(\.isASCII), let value = Int64(digits) else {
                throw WindowError("`\(text)` is not an RFC 3339 time", hint: "e.g. 2024-05-01T12:00:00Z")
            }
            fraction = value * Int64(pow(10, Double(9 - digits.count)))
            whole = String(text[..<dot] + text[zone...])
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        guard let date = formatter.date(from: whole.uppercased()) else {
            throw WindowError("`\(text)` is not an RFC 3339 time", hint: "e.g. 2024-05-01T12:00:00Z")
        }
        let seconds = date.timeIntervalSince1970.rounded()
        guard seconds.magnitude < 9.2e9 else { throw WindowError("`\(text)` is out of range") }
        return Int64(seconds) * 1_000_000_000 + fraction
    }
}

/// A time window that cannot be read.
public struct WindowError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var hint: String?

    init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }

    public var description: String { message + (hint.map { " (\($0))" } ?? "") }
}
