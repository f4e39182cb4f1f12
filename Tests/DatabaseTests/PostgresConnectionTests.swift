import Database
import Foundation
import PostgresClient
import TestSupport
import Testing

/// Against a real server from `ops/pg start`. Every libpq call runs on a
/// dedicated thread (`DedicatedThread.run`), as the design asks; checks run
/// back on the test's task.
@Suite(.serialized,
       .enabled(if: PostgresTestServer.binariesInstalled, PostgresTestServer.skipMessage),
       .postgresServer("storetests"))
struct PostgresConnectionTests {
    @Test func connects() async throws {
        let conninfo = try PostgresTestServer.require().conninfo
        let row = try await DedicatedThread.run {
            let connection = try PostgresConnection(conninfo: conninfo)
            return try connection.query("SELECT current_user, current_database(), current_setting('server_encoding')").rows
        }
        #expect(row == [["netsift", "netsift", "UTF8"]])
    }

    @Test func parametersRoundTripWithoutSplicing() async throws {
        let conninfo = try PostgresTestServer.require().conninfo
        let values: [String?] = [
            "O'Reilly", "'); DROP TABLE round_trip; --", "back\\slash \"double\"", "Grüße 🌍 日本語 \u{0301}",
            "$1 $2 ?", "", nil, "line\nbreak\ttab",
        ]
        let (echoed, stored, tableStillThere) = try await DedicatedThread.run {
            let connection = try PostgresConnection(conninfo: conninfo)
            try connection.execute("DROP TABLE IF EXISTS round_trip; CREATE TABLE round_trip (n int PRIMARY KEY, v text)")
            let echoed = try connection.query(
                "SELECT " + values.indices.map { "$\($0 + 1)::text" }.joined(separator: ", "), text: values).rows
            for (index, value) in values.enumerated() {
                try connection.query("INSERT INTO round_trip (n, v) VALUES ($1, $2)", [index, value])
            }
            let stored = try connection.query("SELECT v FROM round_trip ORDER BY n").rows.map { $0[0] }
            let there = try connection.query("SELECT to_regclass('round_trip') IS NOT NULL").row(0)?.bool(0)
            return (echoed, stored, there)
        }
        #expect(echoed == [values])
        #expect(stored == values)
        #expect(tableStillThere == true)
    }

    @Test func typedParametersAndRows() async throws {
        let conninfo = try PostgresTestServer.require().conninfo
        let uuid = UUID()
        let row = try await DedicatedThread.run {
            let connection = try PostgresConnection(conninfo: conninfo)
            let result = try connection.query(
                "SELECT $1::int8 AS big, $2::bool AS yes, $3::float8 AS half, $4::uuid AS id, $5::float8 AS inf, $6::int AS nothing",
                [Int64.max, true, 0.5, uuid, Double.infinity, nil])
            return try #require(result.row(0))
        }
        #expect(row.int64(0) == Int64.max)
        #expect(row.bool(1) == true)
        #expect(row.double(2) == 0.5)
        #expect(row["id"] == uuid.uuidString.lowercased())
        #expect(row.double(4) == .infinity)
        #expect(row[5] == nil)
        #expect(row.columns == ["big", "yes", "half", "id", "inf", "nothing"])
    }

    @Test func serverErrorsCarrySQLState() async throws {
        let conninfo = try PostgresTestServer.require().conninfo
        let (missing, duplicate, nul, usable) = try await DedicatedThread.run {
            let connection = try PostgresConnection(conninfo: conninfo)
            let missing = capture { try connection.query("SELECT * FROM no_such_table") }
            try connection.execute("DROP TABLE IF EXISTS uniq; CREATE TABLE uniq (k int PRIMARY KEY)")
            try connection.query("INSERT INTO uniq VALUES ($1)", [1])
            let duplicate = capture { try connection.query("INSERT INTO uniq VALUES ($1)", [1]) }
            let nul = capture { try connection.query("SELECT $1::text", ["a\u{0}b"]) }
            let usable = try connection.query("SELECT 1").scalar
            return (missing, duplicate, nul, usable)
        }
        #expect(missing?.kind == .server)
        #expect(missing?.sqlState == "42P01")
        #expect(missing?.message.contains("no_such_table") == true)
        #expect(duplicate?.sqlState == "23505")
        #expect(nul?.kind == .invalidArgument)
        #expect(usable == "1")
    }

    @Test func transactionRollsBackWhenBodyThrows() async throws {
        let conninfo = try PostgresTestServer.require().conninfo
        struct Oops: Error {}
        let (count, inTransaction, threw) = try await DedicatedThread.run {
            let connection = try PostgresConnection(conninfo: conninfo)
            try connection.execute("DROP TABLE IF EXISTS tx; CREATE TABLE tx (k int)")
            var threw = false
            do {
                try connection.transaction { connection in
                    try connection.query("INSERT INTO tx VALUES ($1)", [1])
                    throw Oops()
                }
            } catch is Oops { threw = true }
            try connection.transaction { try $0.query("INSERT INTO tx VALUES ($1)", [2]) }
            return (try connection.query("SELECT count(*) FROM tx").scalar, connection.isInTransaction, threw)
        }
        #expect(threw)
        #expect(count == "1")
        #expect(!inTransaction)
    }

    @Test func binaryCopyOf100kRows() async throws {
        let conninfo = try PostgresTestServer.require().conninfo
        let rowCount = 100_000
        let knownUUID = try #require(UUID(uuidString: "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0"))
        let baseNanoseconds: Int64 = 1_700_000_000_000_000_000
        let unicodeName = "Grüße, 'quoted' \"double\" 🌍"
        let (copied, row, special) = try await DedicatedThread.run {
            let connection = try PostgresConnection(conninfo: conninfo)
            try connection.execute("""
                DROP TABLE IF EXISTS copy_test;
                CREATE TABLE copy_test (id int8, port int4, small int2, flag bool, name text, payload bytea,
                                        ts timestamptz, addr inet, uid uuid, ratio float8, note text)
                """)
            let copied = try connection.copyIn(sql: """
                COPY copy_test (id, port, small, flag, name, payload, ts, addr, uid, ratio, note) FROM STDIN (FORMAT binary)
                """) { stream in
                var encoder = BinaryCopyEncoder(reservingCapacity: 1 << 18)
                for i in 0..<rowCount {
                    encoder.beginRow(fieldCount: 11)
                    encoder.append(int8: 1_000_000_000_000 + Int64(i))
                    encoder.append(int4: Int32(i % 65_536))
                    encoder.append(int2: Int16(i % 200 - 100))
                    encoder.append(bool: i % 3 == 0)
                    encoder.append(text: i == 0 ? unicodeName : "row-\(i)")
                    encoder.append(bytea: [UInt8](repeating: UInt8(i & 0xFF), count: i % 7))
                    encoder.append(timestamptzUnixNanoseconds: baseNanoseconds + Int64(i) * 1_000_000)
                    encoder.append(inet: PostgresInet(ipv4: 0x0A00_0000 | UInt32(i)))
                    encoder.append(uuid: i == 12_345 ? knownUUID : UUID())
                    encoder.append(float8: Double(i) * 0.5)
                    encoder.append(text: i % 10 == 0 ? nil : "n")
                    if encoder.bytes.count >= 1 << 18 { try stream.send(encoder.takeBytes()) }
                }
                try stream.send(encoder.finish())
            }
            let row = try connection.query("""
                SELECT count(*), sum(id), sum(port), sum(small), count(*) FILTER (WHERE flag), sum(length(payload)),
                       (extract(epoch FROM min(ts)) * 1000000)::int8, (extract(epoch FROM max(ts)) * 1000000)::int8,
                       sum(ratio), count(note), count(DISTINCT uid)
                FROM copy_test
                """).rows.first
            let special = try connection.query(
                "SELECT host(addr), uid::text, name FROM copy_test WHERE id = $1 OR id = $2 ORDER BY id",
                [Int64(1_000_000_000_000), Int64(1_000_000_012_345)]).rows
            return (copied, row, special)
        }
        let indices = 0..<rowCount
        #expect(copied == rowCount)
        #expect(row?[0] == String(rowCount))
        #expect(row?[1] == String(Int64(rowCount) * 1_000_000_000_000 + Int64(indices.reduce(0, +))))
        #expect(row?[2] == String(indices.reduce(0) { $0 + $1 % 65_536 }))
        #expect(row?[3] == String(indices.reduce(0) { $0 + $1 % 200 - 100 }))
        #expect(row?[4] == String(indices.filter { $0 % 3 == 0 }.count))
        #expect(row?[5] == String(indices.reduce(0) { $0 + $1 % 7 }))
        #expect(row?[6] == String(baseNanoseconds / 1000))
        #expect(row?[7] == String(baseNanoseconds / 1000 + Int64(rowCount - 1) * 1000))
        #expect(row?[8] == String(Int(Double(indices.reduce(0, +)) * 0.5)))
        #expect(row?[9] == String(rowCount - rowCount / 10))
        #expect(row?[10] == String(rowCount))
        #expect(special == [["10.0.0.0", special.first?[1] ?? "", unicodeName],
                            ["10.0.48.57", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "row-12345"]])
    }

    @Test func malformedCopyIsATypedErrorAndRollsBack() async throws {
        let conninfo = try PostgresTestServer.require().conninfo
        struct GiveUp: Error {}
        let (malformed, aborted, abortedIsOurs, count, usable) = try await DedicatedThread.run {
            let connection = try PostgresConnection(conninfo: conninfo)
            try connection.execute("DROP TABLE IF EXISTS copy_bad; CREATE TABLE copy_bad (a int4, b text)")
            let sql = "COPY copy_bad (a, b) FROM STDIN (FORMAT binary)"
            try connection.begin()
            var good = BinaryCopyEncoder()
            for i in 0..<3 {
                good.beginRow(fieldCount: 2); good.append(int4: Int32(i)); good.append(text: "ok")
            }
            try connection.copyIn(sql: sql, chunks: [good.finish()])
            var bad = BinaryCopyEncoder()
            bad.beginRow(fieldCount: 2); bad.append(int4: 7); bad.append(text: "fine")
            bad.beginRow(fieldCount: 3); bad.append(int4: 8); bad.append(text: "one field too many"); bad.appendNull()
            let malformed = capture { try connection.copyIn(sql: sql, chunks: [bad.finish()]) }
            try connection.rollback()

            // A COPY the caller abandons half-way: its own error comes back.
            var abortedIsOurs = false
            var aborted: PostgresError?
            do {
                try connection.copyIn(sql: sql) { stream in
                    var encoder = BinaryCopyEncoder()
                    encoder.beginRow(fieldCount: 2); encoder.append(int4: 9); encoder.append(text: "half")
                    try stream.send(encoder.takeBytes())
                    throw GiveUp()
                }
            } catch is GiveUp {
                abortedIsOurs = true
            } catch let error as PostgresError {
                aborted = error
            }
            let count = try connection.query("SELECT count(*) FROM copy_bad").scalar
            return (malformed, aborted, abortedIsOurs, count, connection.isConnected)
        }
        #expect(malformed?.kind == .server)
        #expect(malformed?.sqlState == "22P04")   // bad_copy_file_format: "row field count is 3, expected 2"
        #expect(abortedIsOurs)
        #expect(aborted == nil)
        #expect(count == "0")
        #expect(usable)
    }

    @Test func migrationsTwiceAreANoOp() async throws {
        let conninfo = try PostgresTestServer.require().conninfo
        let database = "migrations_\(UInt32.random(in: 0...UInt32.max))"
        let shipped = Migrations.all.map(\.version)
        let failing = try MigrationRunner(migrations: Migrations.all + [
            Migration(version: (shipped.last ?? 0) + 1, name: "fails half-way", sql: "CREATE TABLE half (a int); SELECT 1 / 0;"),
        ])
        let result = try await DedicatedThread.run {
            let admin = try PostgresConnection(conninfo: conninfo)
            try admin.execute("CREATE DATABASE \(database)")   // a generated identifier, not input
            defer { try? admin.execute("DROP DATABASE IF EXISTS \(database)") }
            return try {
                let connection = try PostgresConnection(conninfo: conninfo + " dbname=\(database)")
                let runner = try MigrationRunner(migrations: Migrations.all)
                let first = try runner.run(on: connection)
                let second = try runner.run(on: connection)
                let versions = try runner.appliedVersions(on: connection)
                let rows = try connection.query("SELECT version, name FROM schema_migrations ORDER BY version").rows
                let failure = capture { try failing.run(on: connection) }
                let half = try connection.query("SELECT to_regclass('half') IS NOT NULL").row(0)?.bool(0)
                let after = try failing.appliedVersions(on: connection)
                return (first, second, versions, rows, failure, half, after)
            }()
        }
        #expect(result.0 == shipped)
        #expect(result.1 == [])
        #expect(result.2 == shipped)
        #expect(result.3 == Migrations.all.map { [String($0.version), $0.name] })
        #expect(result.4?.sqlState == "22012")   // division_by_zero
        #expect(result.5 == false)               // the failing migration left nothing behind
        #expect(result.6 == shipped)
    }

    @Test func invalidMigrationOrderIsRejected() {
        let error = #expect(throws: PostgresError.self) {
            try MigrationRunner(migrations: [
                Migration(version: 2, name: "b", sql: ""), Migration(version: 1, name: "a", sql: ""),
            ])
        }
        #expect(error?.kind == .migration)
    }
}

/// The error a throwing call raised, as a `PostgresError`, or nil if it did not throw.
func capture(_ body: () throws -> Void) -> PostgresError? {
    do {
        try body()
        return nil
    } catch let error as PostgresError {
        return error
    } catch {
        return PostgresError(kind: .unexpectedResult, message: "not a PostgresError: \(error)")
    }
}
