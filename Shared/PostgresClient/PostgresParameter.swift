import Foundation

/// A value sent as a text-format query parameter (`$1`, `$2`, ...). Values
/// travel separately from the SQL text, so they are never spliced into it.
public protocol PostgresParameter {
    /// The value in PostgreSQL's text input format.
    var postgresText: String { get }
}

extension String: PostgresParameter { public var postgresText: String { self } }
extension Substring: PostgresParameter { public var postgresText: String { String(self) } }
extension Int: PostgresParameter { public var postgresText: String { String(self) } }
extension Int16: PostgresParameter { public var postgresText: String { String(self) } }
extension Int32: PostgresParameter { public var postgresText: String { String(self) } }
extension Int64: PostgresParameter { public var postgresText: String { String(self) } }
extension UInt16: PostgresParameter { public var postgresText: String { String(self) } }
extension UInt32: PostgresParameter { public var postgresText: String { String(self) } }
extension Bool: PostgresParameter { public var postgresText: String { self ? "t" : "f" } }
extension UUID: PostgresParameter { public var postgresText: String { uuidString } }

extension Double: PostgresParameter {
    public var postgresText: String {
        if isNaN { return "NaN" }
        if isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
        return description
    }
}
