import Foundation

/// The data directory's private PostgreSQL, through the project's `ops/pg`
/// (initdb on a private socket; as root, run as `postgres` with the cluster
/// in /var/lib/netsift/<hash>): `netsift up` supervises `ops/pg run` as a
/// child and asks here for the conninfo. Never installs anything.
public struct LocalPostgres: Sendable {
    public let dataDirectory: String
    public let script: String

    public init(dataDirectory: String) throws(OperationsError) {
        guard let script = ProjectFiles.locate("ops/pg") else {
            throw .missing(what: "ops/pg", hint: "run netsift from its source tree or set NETSIFT_HOME to it")
        }
        self.dataDirectory = dataDirectory
        self.script = script
    }

    /// The conninfo of the cluster, running or not.
    public func conninfo() throws(OperationsError) -> String {
        let result = try run(["url", dataDirectory])
        guard result.status == 0 else { throw .failed(what: "find the database", reason: result.errors) }
        return result.output
    }

    private func run(_ arguments: [String]) throws(OperationsError) -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw .failed(what: "run \(script)", reason: "\(error)")
        }
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        func text(_ data: Data) -> String {
            String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return (process.terminationStatus, text(out), text(err))
    }
}
