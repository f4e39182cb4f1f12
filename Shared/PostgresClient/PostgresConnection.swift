internal import CLibPQ

/// One libpq connection (`PGconn`), closed when the object goes away.
///
/// **Every call blocks** the calling thread until the server answers (a
/// COPY of a large batch can take seconds). Use a connection from one
/// dedicated thread at a time — never from Swift's cooperative pool, which
/// has one thread per core; `DedicatedThread.run` is one way. The type is
/// not `Sendable` for that reason: it belongs to whoever created it.
///
/// Queries use the extended protocol with text-format parameters
/// (`PQexecParams`): values travel apart from the SQL, never spliced in.
public final class PostgresConnection {
    private let conn: OpaquePointer

    /// Connects with a libpq connection string
    /// (`host=/path/to/socketdir port=5432 dbname=netsift user=netsift`) or URI.
    /// - Throws: `PostgresError` of kind `.connection` with libpq's message.
    public init(conninfo: String) throws {
        guard let conn = PQconnectdb(conninfo) else {
            throw PostgresError(kind: .connection, message: "libpq could not allocate a connection")
        }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = Self.text(PQerrorMessage(conn))
            PQfinish(conn)
            throw PostgresError(kind: .connection, message: message)
        }
        // Notices (e.g. "relation already exists, skipping") would otherwise
        // go to stderr from inside libpq.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
        guard PQsetClientEncoding(conn, "UTF8") == 0 else {
            let message = Self.text(PQerrorMessage(conn))
            PQfinish(conn)
            throw PostgresError(kind: .connection, message: "cannot set client encoding UTF8: \(message)")
        }
        self.conn = conn
    }

    deinit { PQfinish(conn) }

    /// Whether libpq still considers the connection usable.
    public var isConnected: Bool { PQstatus(conn) == CONNECTION_OK }

    /// The server's process id for this session.
    public var backendPID: Int32 { PQbackendPID(conn) }

    /// Whether a transaction is open (idle in transaction, or failed in one).
    public var isInTransaction: Bool {
        let status = PQtransactionStatus(conn)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    // MARK: Statements

    /// Runs SQL without parameters (`PQexec`); several statements separated by
    /// `;` are allowed and run in one implicit transaction.
    public func execute(_ sql: String) throws {
        let result = PQexec(conn, sql)
        defer { PQclear(result) }
        try check(result, accepting: [PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY])
    }

    /// Runs one statement with text parameters `$1...$n` and returns its rows
    /// in text format. `nil` is SQL NULL.
    @discardableResult
    public func query(_ sql: String, _ parameters: [(any PostgresParameter)?] = []) throws -> PostgresResult {
        try query(sql, text: parameters.map { $0?.postgresText })
    }

    /// Runs one statement with parameters already in PostgreSQL text format.
    @discardableResult
    public func query(_ sql: String, text parameters: [String?]) throws -> PostgresResult {
        guard parameters.count <= Self.maximumParameters else {
            throw PostgresError(kind: .invalidArgument,
                                message: "\(parameters.count) parameters; PostgreSQL takes at most \(Self.maximumParameters)")
        }
        // All parameter strings in one NUL-separated buffer, pointed into.
        var storage: [CChar] = []
        var offsets: [Int?] = []
        offsets.reserveCapacity(parameters.count)
        for (index, parameter) in parameters.enumerated() {
            guard let parameter else { offsets.append(nil); continue }
            guard !parameter.utf8.contains(0) else {
                throw PostgresError(kind: .invalidArgument,
                                    message: "parameter $\(index + 1) contains a NUL byte, which PostgreSQL text cannot hold")
            }
            offsets.append(storage.count)
            storage.append(contentsOf: parameter.utf8CString)
        }
        let result = storage.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            let pointers: [UnsafePointer<CChar>?] = offsets.map { offset in
                guard let offset, let base = buffer.baseAddress else { return nil }
                return base + offset
            }
            return pointers.withUnsafeBufferPointer { values in
                PQexecParams(conn, sql, Int32(parameters.count), nil, values.baseAddress, nil, nil, 0)
            }
        }
        defer { PQclear(result) }
        try check(result, accepting: [PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY])
        guard let result else { throw unexpected("no result") }
        return Self.rows(of: result)
    }

    /// PostgreSQL's limit on bind parameters in one statement.
    public static let maximumParameters = 65_535

    // MARK: Transactions

    public func begin() throws { try execute("BEGIN") }
    public func commit() throws { try execute("COMMIT") }
    public func rollback() throws { try execute("ROLLBACK") }

    /// Runs `body` in a transaction: commits when it returns, rolls back when
    /// it throws (then rethrows its error, not a failure of the rollback).
    @discardableResult
    public func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try begin()
        let value: T
        do {
            value = try body(self)
        } catch {
            try? rollback()
            throw error
        }
        try commit()
        return value
    }

    // MARK: Internals shared with COPY

    /// Throws unless `result` has one of the accepted statuses. A failure
    /// with a broken connection is a `.connection` error.
    func check(_ result: OpaquePointer?, accepting accepted: [ExecStatusType]) throws {
        guard let result else {
            // libpq returns NULL only when it could not even send the query.
            throw connectionOrServerError(message: Self.text(PQerrorMessage(conn)), sqlState: nil)
        }
        let status = PQresultStatus(result)
        if accepted.contains(status) { return }
        if status == PGRES_FATAL_ERROR || status == PGRES_NONFATAL_ERROR {
            let message = Self.text(PQresultErrorMessage(result))
            let sqlState = PQresultErrorField(result, Self.sqlStateField).map { String(cString: $0) }
            throw connectionOrServerError(message: message.isEmpty ? Self.text(PQerrorMessage(conn)) : message,
                                          sqlState: sqlState)
        }
        throw unexpected("result status \(String(cString: PQresStatus(status)))")
    }

    func connectionOrServerError(message: String, sqlState: String?) -> PostgresError {
        // Class 08 is connection exception; 57P01-57P03 are shutdown/crash.
        let connectionStates: Set<String> = ["57P01", "57P02", "57P03"]
        if PQstatus(conn) != CONNECTION_OK || sqlState.map({ $0.hasPrefix("08") || connectionStates.contains($0) }) == true {
            return PostgresError(kind: .connection, message: message, sqlState: sqlState)
        }
        return PostgresError(kind: .server, message: message, sqlState: sqlState)
    }

    public func unexpected(_ what: String) -> PostgresError {
        PostgresError(kind: .unexpectedResult, message: what)
    }

    var connection: OpaquePointer { conn }

    /// `PG_DIAG_SQLSTATE` is the character 'C' (postgres_ext.h).
    static let sqlStateField = Int32(UInt8(ascii: "C"))

    static func text(_ pointer: UnsafePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        return String(cString: pointer).trimmingWhitespace()
    }

    static func rows(of result: OpaquePointer) -> PostgresResult {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        let columns = (0..<columnCount).map { column in
            PQfname(result, Int32(column)).map { String(cString: $0) } ?? ""
        }
        var rows: [[String?]] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<Int32(rowCount) {
            rows.append((0..<Int32(columnCount)).map { column -> String? in
                guard PQgetisnull(result, row, column) == 0, let value = PQgetvalue(result, row, column) else { return nil }
                let length = Int(PQgetlength(result, row, column))
                return String(decoding: UnsafeRawBufferPointer(start: value, count: length), as: UTF8.self)
            })
        }
        let tag = PQcmdStatus(result).map { String(cString: $0) } ?? ""
        let affected = PQcmdTuples(result).flatMap { Int(String(cString: $0)) }
        return PostgresResult(columns: columns, rows: rows, commandTag: tag, affectedRows: affected)
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        return String(scalars)
    }
}
