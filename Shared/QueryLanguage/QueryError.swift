/// A query that cannot run: where (a character offset into the query text),
/// what, and a hint on how to fix it.
public struct QueryError: Error, Hashable, Sendable, CustomStringConvertible {
    public var position: Int
    public var message: String
    public var hint: String?

    public init(at position: Int, _ message: String, hint: String? = nil) {
        self.position = position
        self.message = message
        self.hint = hint
    }

    public var description: String {
        "at \(position): \(message)" + (hint.map { " (\($0))" } ?? "")
    }
}

/// Bounds a query must stay within.
public struct QueryLimits: Sendable, Hashable {
    /// Characters of query text.
    public var length = 4_096
    /// Nesting of parentheses and operators.
    public var depth = 32
    /// Items of one `in { … }` set.
    public var setItems = 1_000

    public init() {}
}
