/// An error from PostgreSQL or from libpq, with the server's message and,
/// when the server sent one, its SQLSTATE code (`23505`, `22P04`, ...).
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// What failed. Compare with `==` against the static members.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: Hashable, Sendable {
            case connection, server, copy, unexpectedResult, invalidArgument, migration
        }
        fileprivate let base: Base

        /// Could not connect, or the connection broke (server stopped, socket closed).
        public static let connection = Kind(base: .connection)
        /// The server rejected a statement; `sqlState` says why.
        public static let server = Kind(base: .server)
        /// A COPY failed on the client side (sending data, or aborted by the caller).
        public static let copy = Kind(base: .copy)
        /// The server answered with a result of a kind the call does not expect.
        public static let unexpectedResult = Kind(base: .unexpectedResult)
        /// A value the client refused to send (a NUL in text, too many parameters).
        public static let invalidArgument = Kind(base: .invalidArgument)
        /// The migration list itself is invalid (versions not strictly increasing).
        public static let migration = Kind(base: .migration)

        public var description: String {
            switch base {
            case .connection: "connection"
            case .server: "server"
            case .copy: "copy"
            case .unexpectedResult: "unexpected result"
            case .invalidArgument: "invalid argument"
            case .migration: "migration"
            }
        }
    }

    public let kind: Kind
    /// `PQerrorMessage` / `PQresultErrorMessage`, trimmed.
    public let message: String
    /// The five-character SQLSTATE, when the server reported one.
    public let sqlState: String?

    /// SQLSTATE of a unique key violation.
    public static let uniqueViolation = "23505"

    public init(kind: Kind, message: String, sqlState: String? = nil) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
    }

    public var description: String {
        if let sqlState { return "PostgreSQL \(kind) error \(sqlState): \(message)" }
        return "PostgreSQL \(kind) error: \(message)"
    }
}
