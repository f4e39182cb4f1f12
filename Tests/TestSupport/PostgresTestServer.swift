import Foundation
import PostgresClient
import Testing

/// A private PostgreSQL cluster for one test suite, started and removed with
/// the project's own `ops/pg`, run through `Process` with an argument list
/// (no shell). The data dir is a fresh temporary directory; as root `ops/pg`
/// keeps the cluster itself in /var/lib/netsift/<hash>, where the
/// `postgres` user can reach it.
public struct PostgresTestServer: Sendable {
    public let dataDirectory: URL
    public let conninfo: String

    @TaskLocal public static var current: PostgresTestServer?

    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    public static let script = repositoryRoot.appendingPathComponent("ops/pg")

    public static let skipMessage: Comment =
        "PostgreSQL server binaries not installed (initdb and pg_ctl under /usr/lib/postgresql/*/bin); run ops/install-deps"

    /// Whether `ops/pg` will find initdb and pg_ctl.
    public static var binariesInstalled: Bool {
        let fileManager = FileManager.default
        if let bindir = ProcessInfo.processInfo.environment["NETSIFT_PG_BINDIR"] {
            return fileManager.isExecutableFile(atPath: bindir + "/initdb")
        }
        let versions = (try? fileManager.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        return versions.contains { fileManager.isExecutableFile(atPath: "/usr/lib/postgresql/\($0)/bin/pg_ctl") }
    }

    /// The server the enclosing suite started.
    public static func require() throws -> PostgresTestServer {
        try #require(current, "no server: the suite needs the .postgresServer trait")
    }

    public struct ScriptFailure: Error, CustomStringConvertible {
        let arguments: [String]
        let status: Int32
        let stderr: String
        public var description: String { "ops/pg \(arguments.joined(separator: " ")) exited \(status): \(stderr)" }
    }

    /// Runs `ops/pg` and returns its standard output.
    @discardableResult
    public static func pg(_ arguments: [String]) throws -> String {
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

    public static func start(label: String) throws -> PostgresTestServer {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("netsift-\(label)-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let conninfo = try pg(["start", directory.path])
        return PostgresTestServer(dataDirectory: directory, conninfo: conninfo)
    }

    public func stop() throws { try Self.pg(["stop", dataDirectory.path]) }

    /// Stops the server, deletes the cluster and the data dir.
    public func destroy() {
        _ = try? Self.pg(["destroy", dataDirectory.path])
        try? FileManager.default.removeItem(at: dataDirectory)
    }
}

/// Starts one server around a whole suite and removes it afterwards.
public struct PostgresServerTrait: SuiteTrait, TestScoping {
    let label: String
    public var isRecursive: Bool { false }

    public func provideScope(for test: Test, testCase: Test.Case?,
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
    public static func postgresServer(_ label: String) -> Self { PostgresServerTrait(label: label) }
}
