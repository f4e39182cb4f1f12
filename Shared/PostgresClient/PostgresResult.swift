/// The rows of a query in text format, copied out of the libpq result.
public struct PostgresResult: Sendable {
    /// Column names, in order.
    public let columns: [String]
    /// One array per row; `nil` is SQL NULL.
    public let rows: [[String?]]
    /// The command tag (`INSERT 0 3`, `SELECT 2`, ...).
    public let commandTag: String
    /// Rows affected by INSERT/UPDATE/DELETE/COPY/SELECT, when the tag says.
    public let affectedRows: Int?

    public init(columns: [String], rows: [[String?]], commandTag: String, affectedRows: Int?) {
        self.columns = columns
        self.rows = rows
        self.commandTag = commandTag
        self.affectedRows = affectedRows
    }

    /// The row at `index` with typed accessors, or nil past the end.
    public func row(_ index: Int) -> PostgresRow? {
        rows.indices.contains(index) ? PostgresRow(columns: columns, values: rows[index]) : nil
    }

    /// The first column of the first row (`SELECT count(*) ...`).
    public var scalar: String? { rows.first?.first ?? nil }
}

/// One row with typed reads. Every accessor returns nil for SQL NULL, for a
/// column that does not exist, and for text that does not parse as the type.
public struct PostgresRow: Sendable {
    public let columns: [String]
    public let values: [String?]

    public subscript(_ index: Int) -> String? {
        values.indices.contains(index) ? values[index] : nil
    }

    public subscript(_ name: String) -> String? {
        columns.firstIndex(of: name).flatMap { self[$0] }
    }

    public func string(_ index: Int) -> String? { self[index] }
    public func int(_ index: Int) -> Int? { self[index].flatMap { Int($0) } }
    public func int64(_ index: Int) -> Int64? { self[index].flatMap { Int64($0) } }
    public func double(_ index: Int) -> Double? {
        switch self[index] {
        case "NaN": .nan
        case "Infinity": .infinity
        case "-Infinity": -.infinity
        case let text?: Double(text)
        case nil: nil
        }
    }
    public func bool(_ index: Int) -> Bool? {
        switch self[index] {
        case "t"?: true
        case "f"?: false
        default: nil
        }
    }
}
