internal import CLibPQ

/// The data side of a `COPY ... FROM STDIN` in progress; see
/// `PostgresConnection.copyIn(sql:_:)`.
public struct CopyInStream: ~Copyable {
    private let conn: OpaquePointer
    /// Bytes handed to libpq so far.
    public private(set) var bytesSent = 0

    init(conn: OpaquePointer) { self.conn = conn }

    /// Hands `bytes` to libpq (`PQputCopyData`); blocks while libpq's buffer
    /// drains to the server. Any split of the stream into chunks is valid.
    public mutating func send(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try send($0) }
    }

    /// Hands raw bytes to libpq without copying them first.
    public mutating func send(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let length = min(bytes.count - offset, Self.maximumPiece)
            guard let base = bytes.baseAddress else { return }
            let status = PQputCopyData(conn, (base + offset).assumingMemoryBound(to: CChar.self), Int32(length))
            // 1 sent or queued; 0 only in non-blocking mode, which is never set here; -1 error.
            guard status == 1 else {
                throw PostgresError(kind: .copy, message: PostgresConnection.text(PQerrorMessage(conn)))
            }
            offset += length
        }
        bytesSent += bytes.count
    }

    /// Pieces handed to libpq at once; it copies each into its output buffer.
    private static let maximumPiece = 1 << 20
}

extension PostgresConnection {
    /// Runs `COPY table (columns) FROM STDIN (FORMAT binary)` (or any COPY
    /// FROM STDIN) and feeds it what `body` sends. Returns the rows the
    /// server copied.
    ///
    /// If `body` throws, the COPY is aborted (`PQputCopyEnd` with a message)
    /// and `body`'s error is rethrown. If the server rejects the data (a
    /// malformed row, a constraint), the error is a `.server` `PostgresError`
    /// with its SQLSTATE (binary format errors are `22P04`), and an enclosing
    /// transaction is left failed: roll it back.
    ///
    /// Blocks until the server has processed all of it.
    @discardableResult
    public func copyIn(sql: String, _ body: (inout CopyInStream) throws -> Void) throws -> Int {
        let start = PQexec(connection, sql)
        do {
            defer { PQclear(start) }
            try check(start, accepting: [PGRES_COPY_IN])
        }
        var stream = CopyInStream(conn: connection)
        var failure: (any Error)?
        do {
            try body(&stream)
        } catch {
            failure = error
        }
        let abortMessage = failure.map { "COPY aborted by the client: \($0)" }
        let ended = PQputCopyEnd(connection, abortMessage)
        // Drain every result so the connection is ready for the next command.
        var firstError: (any Error)?
        var copied: Int?
        while let result = PQgetResult(connection) {
            defer { PQclear(result) }
            // Still in COPY: the end marker never left (connection lost).
            // libpq would return this result forever, so stop here.
            if PQresultStatus(result) == PGRES_COPY_IN {
                if firstError == nil {
                    firstError = connectionOrServerError(message: PostgresConnection.text(PQerrorMessage(connection)),
                                                         sqlState: nil)
                }
                break
            }
            do {
                try check(result, accepting: [PGRES_COMMAND_OK])
                copied = PQcmdTuples(result).flatMap { Int(String(cString: $0)) }
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        if let failure { throw failure }
        if let firstError { throw firstError }
        guard ended == 1 else {
            throw PostgresError(kind: .copy, message: PostgresConnection.text(PQerrorMessage(connection)))
        }
        return copied ?? 0
    }

    /// `copyIn` for data already split into chunks (e.g. from
    /// `BinaryCopyEncoder.takeBytes()`).
    @discardableResult
    public func copyIn<Chunks: Sequence>(sql: String, chunks: Chunks) throws -> Int where Chunks.Element == [UInt8] {
        try copyIn(sql: sql) { stream in
            for chunk in chunks { try stream.send(chunk) }
        }
    }
}
