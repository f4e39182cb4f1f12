import Foundation
import Store
import Testing

/// A private PostgreSQL cluster for one test suite, started and removed with
/// the project's own `ops/pg`, run through `Process` with an argument list
/// (no shell). The data dir is a fresh temporary directory; as root `ops/pg`
/// keeps the cluster itself in /var/lib/netsift/<hash>, where the
/// `postgres` user can reach it.
struct PostgresTestServer: Sendable {
    let dataDirectory: URL
    let conninfo: String

    @TaskLocal static var current: PostgresTestServer?

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let script = repositoryRoot.appendingPathComponent("ops/pg")

    static let skipMessage: Comment =
        "PostgreSQL server binaries not installed (initdb and pg_ctl under /usr/lib/postgresql/*/bin); run ops/install-deps"

    /// Whether `ops/pg` will find initdb and pg_ctl.
    static var binariesInstalled: Bool {
        let fileManager = FileManager.default
        if let bindir = ProcessInfo.processInfo.environment["NETSIFT_PG_BINDIR"] {
            return fileManager.isExecutableFile(atPath: bindir + "/initdb")
        }
        let versions = (try? fileManager.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        return versions.contains { fileManager.isExecutableFile(atPath: "/usr/lib/postgresql/\($0)/bin/pg_ctl") }
    }

    /// The server the enclosing suite started.
    static func require() throws -> PostgresTestServer {
        try #require(current, "no server: the suite needs the .postgresServer trait")
    }

    struct ScriptFailure: Error, CustomStringConvertible {
        let arguments: [String]
        let status: Int32
        let stderr: String
        var description: String { "ops/pg \(arguments.joined(separator: " ")) exited \(status): \(stderr)" }
    }

    /// Runs `ops/pg` and returns its standard output.
    @discardableResult
    static func pg(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = script
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ScriptFailure(arguments: arguments, status: process.terminationStatus,
                                stderr: String(decoding: err, as: UTF8.self))
        }
        return String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func start(label: String) throws -> PostgresTestServer {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("netsift-\(label)-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let conninfo = try pg(["start", directory.path])
        return PostgresTestServer(dataDirectory: directory, conninfo: conninfo)
    }

    func stop() throws { try Self.pg(["stop", dataDirectory.path]) }

    /// Stops the server, deletes the cluster and the data dir.
    func destroy() {
        _ = try? Self.pg(["destroy", dataDirectory.path])
        try? FileManager.default.removeItem(at: dataDirectory)
    }
}

/// Starts one server around a whole suite and removes it afterwards.
struct PostgresServerTrait: SuiteTrait, TestScoping {
    let label: String
    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        guard PostgresTestServer.binariesInstalled else { return try await function() }
        let server = try await DedicatedThread.run { try PostgresTestServer.start(label: label) }
        do {
            try await PostgresTestServer.$current.withValue(server) { try await function() }
        } catch {
            server.destroy()
            throw error
        }
        server.destroy()
    }
}

extension Trait where Self == PostgresServerTrait {
    static func postgresServer(_ label: String) -> Self { PostgresServerTrait(label: label) }
}
