import ArgumentParser
import Auth
import Database
import Formats
import Foundation
import Operations
import PostgresClient

extension APIRole: ExpressibleByArgument {}

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create, list and revoke API keys (256 random bits; only their SHA-256 is stored).",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a key and print it (the only time it is shown).",
            discussion: """
                Roles: admin (everything), analyst (reads, searches, hunts, exports), viewer (reads), \
                sensor (telemetry; today /info only).
                """)
        @OptionGroup var data: DataOption
        @Argument(help: ArgumentHelp("A name to recognise the key by.", valueName: "name"))
        var keyName: String?
        @Option(name: .customLong("name"), help: .hidden)
        var nameOption: String?
        @Option(help: "What the key may do (docs/API.md, \"Roles\").")
        var role: APIRole = .viewer

        var name: String { keyName ?? nameOption ?? "key" }

        func validate() throws {
            if keyName != nil, nameOption != nil { throw ValidationError("give the name once: NAME or --name NAME") }
        }

        func run() throws {
            let store = try KeysCommand.store(data.path)
            let (id, key) = try store.create(name: name, role: role)
            printError("key \(id) (\(name), \(role)); it is not shown again:")
            print(key.text)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys: id, name, role, created, revoked.")
        @OptionGroup var data: DataOption

        func run() throws {
            for entry in try KeysCommand.store(data.path).list() {
                let state = entry.revokedAt.map { "revoked \($0)" } ?? "active"
                print("\(entry.id)\t\(entry.name)\t\(entry.role)\t\(entry.createdAt)\t\(state)")
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by id; it stops working within 5 s (the gateway caches checks that long).")
        @OptionGroup var data: DataOption
        @Argument(help: "The key's id (netsift keys list).")
        var id: Int64

        func run() throws {
            guard try KeysCommand.store(data.path).revoke(id: id) else {
                printError("no active key \(id)")
                throw ExitCode(1)
            }
            print("revoked key \(id)")
        }
    }

    /// The deployment's database, migrated.
    static func store(_ directory: String) throws -> APIKeyStore {
        let conninfo = try LocalPostgres(dataDirectory: directory).conninfo()
        let connection = try PostgresConnection(conninfo: conninfo)
        _ = try MigrationRunner(migrations: Migrations.all).run(on: connection)
        return APIKeyStore(connection: connection)
    }

    /// On a deployment's first start: an admin key, printed and written to
    /// `DATA/admin.key` (mode 0600). Nil when that file exists already.
    static func createAdminKeyIfMissing(_ directory: String) throws -> APIKey? {
        let path = directory + "/admin.key"
        guard !FileManager.default.fileExists(atPath: path) else { return nil }
        let (_, key) = try store(directory).create(name: "admin", role: .admin)
        guard FileManager.default.createFile(atPath: path, contents: Data((key.text + "\n").utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw OperationsError.failed(what: "write \(path)", reason: "cannot create the file")
        }
        return key
    }
}
