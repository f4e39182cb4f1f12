import Database
import PostgresClient

/// A fresh database on the test server with NetSift's schema (or the
/// first of its migrations), dropped after `body`.
public enum TrafficDatabase {
    public static func with<T: Sendable>(_ label: String, migrations: [Migration] = Migrations.all,
                                  _ body: @escaping @Sendable (_ conninfo: String) throws -> T) async throws -> T {
        let conninfo = try PostgresTestServer.require().conninfo
        let database = "\(label)_\(UInt32.random(in: 0...UInt32.max))"
        return try await DedicatedThread.run {
            let admin = try PostgresConnection(conninfo: conninfo)
            try admin.execute("CREATE DATABASE \(database)")   // a generated identifier, not input
            defer { try? admin.execute("DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
            let databaseInfo = conninfo + " dbname=\(database)"
            try MigrationRunner(migrations: migrations).run(on: PostgresConnection(conninfo: databaseInfo))
            return try body(databaseInfo)
        }
    }
}

