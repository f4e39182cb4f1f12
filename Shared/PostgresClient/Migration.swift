/// One schema change: applied once, in version order, in its own transaction.
public struct Migration: Sendable {
    /// Positive and strictly increasing along the list; never reused.
    public let version: Int
    public let name: String
    /// Any number of statements; they run in one transaction with the
    /// `schema_migrations` row that records them.
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}
