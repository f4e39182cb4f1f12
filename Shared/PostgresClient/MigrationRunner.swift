/// Applies the migrations a database has not seen yet, each in its own
/// transaction together with its `schema_migrations` row, so a migration is
/// either wholly applied and recorded or not at all. Running it again is a
/// no-op. A transaction-scoped advisory lock makes concurrent runners (two
/// storage instances starting at once) take turns.
public struct MigrationRunner: Sendable {
    public let migrations: [Migration]

    /// Key of the advisory lock all runners share ("NetSiftM" in ASCII).
    static let lockKey: Int64 = 0x4E65_7453_6966_744D

    /// - Throws: `.migration` when versions are not positive and strictly increasing.
    public init(migrations: [Migration]) throws {
        var previous = 0
        for migration in migrations {
            guard migration.version > previous else {
                throw PostgresError(kind: .migration,
                                    message: "migration \(migration.version) (\(migration.name)) must have a version above \(previous)")
            }
            previous = migration.version
        }
        self.migrations = migrations
    }

    /// Versions recorded in `schema_migrations`, ascending; empty before the first run.
    public func appliedVersions(on connection: PostgresConnection) throws -> [Int] {
        guard try tableExists(on: connection) else { return [] }
        return try connection.query("SELECT version FROM schema_migrations ORDER BY version")
            .rows.compactMap { $0.first.flatMap { $0.flatMap { Int($0) } } }
    }

    /// Applies what is pending; returns the versions applied by this call.
    @discardableResult
    public func run(on connection: PostgresConnection) throws -> [Int] {
        var applied: [Int] = []
        for migration in migrations {
            let didApply = try connection.transaction { connection -> Bool in
                try connection.query("SELECT pg_advisory_xact_lock($1)", [Self.lockKey])
                // Checked under the lock: another runner may just have applied it.
                if try tableExists(on: connection),
                   try connection.query("SELECT 1 FROM schema_migrations WHERE version = $1",
                                        [migration.version]).rows.count == 1 {
                    return false
                }
                try connection.execute(migration.sql)
                try connection.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                                     [migration.version, migration.name])
                return true
            }
            if didApply { applied.append(migration.version) }
        }
        return applied
    }

    private func tableExists(on connection: PostgresConnection) throws -> Bool {
        try connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL").row(0)?.bool(0) == true
    }
}
