import Auth
import Database
import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite struct APIKeyTests {
    @Test func keysAreRandom256BitHex() {
        let keys = (0 ..< 100).map { _ in APIKey.generate() }
        #expect(Set(keys).count == 100)
        #expect(keys.allSatisfy { $0.text.count == 64 && APIKey($0.text) == $0 })
        #expect(keys.allSatisfy { $0.hash.count == 32 })
        #expect(!"\(keys[0])".contains(keys[0].text), "a key is never printed whole")
    }

    @Test func onlySixtyFourHexDigitsAreKeys() {
        #expect(APIKey(String(repeating: "a", count: 64)) != nil)
        #expect(APIKey(String(repeating: "A", count: 64))?.text == String(repeating: "a", count: 64))
        for bad in ["", String(repeating: "a", count: 63), String(repeating: "a", count: 65),
                    String(repeating: "g", count: 64), String(repeating: "é", count: 32)] {
            #expect(APIKey(bad) == nil, "\(bad)")
        }
    }

    @Test func authorizationHeaders() throws {
        let key = APIKey.generate()
        func basic(_ text: String) -> String { "Basic " + Data(text.utf8).base64EncodedString() }
        #expect(Credentials.key(fromAuthorization: "Token \(key.text)") == key)
        #expect(Credentials.key(fromAuthorization: "token  \(key.text) ") == key)
        #expect(Credentials.key(fromAuthorization: basic("\(key.text):")) == key)
        #expect(Credentials.key(fromAuthorization: basic("\(key.text):password")) == nil, "the password must be empty")
        #expect(Credentials.key(fromAuthorization: basic(key.text)) == nil, "no colon")
        #expect(Credentials.key(fromAuthorization: "Bearer \(key.text)") == nil)
        #expect(Credentials.key(fromAuthorization: "Basic !!!notbase64") == nil)
        #expect(Credentials.key(fromAuthorization: "Token") == nil)
        #expect(Credentials.key(fromAuthorization: nil) == nil)
        #expect(Credentials.key(fromAuthorization: "Basic " + String(repeating: "A", count: 10_000)) == nil)
    }

    @Test func constantTimeComparison() {
        #expect(constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2]))
        #expect(constantTimeEquals([], []))
    }
}

@Suite(.serialized, .postgresServer("auth"),
       .enabled(if: PostgresTestServer.binariesInstalled, PostgresTestServer.skipMessage))
struct APIKeyStoreTests {
    @Test func createVerifyListRevoke() async throws {
        let server = try PostgresTestServer.require()
        let outcome = try await DedicatedThread.run { () -> [String] in
            let connection = try PostgresConnection(conninfo: server.conninfo)
            _ = try MigrationRunner(migrations: Migrations.all).run(on: connection)
            let store = APIKeyStore(connection: connection)
            let (adminID, admin) = try store.create(name: "admin", role: .admin)
            let (otherID, other) = try store.create(name: "reader", role: .viewer)
            var seen: [String] = []
            seen.append("admin verifies: \(try store.verify(admin).map { $0.id == adminID && $0.holder == .init(name: "admin", role: .admin) } == true)")
            seen.append("other verifies: \(try store.verify(other).map { $0.id == otherID && $0.holder == .init(name: "reader", role: .viewer) } == true)")
            seen.append("unknown: \(try store.verify(APIKey.generate()) == nil)")
            seen.append("revoke: \(try store.revoke(id: otherID))")
            seen.append("revoke again: \(try store.revoke(id: otherID))")
            seen.append("revoked verifies: \(try store.verify(other) == nil)")
            seen.append("admin still: \(try store.verify(admin)?.id == adminID)")
            let list = try store.list()
            seen.append("listed: \(list.map(\.name)) \(list.map(\.role)) revoked: \(list.map { $0.revokedAt != nil })")
            let stored = try connection.query("SELECT encode(key_hash, 'hex') FROM api_keys").rows.compactMap { $0[0] ?? nil }
            seen.append("no key stored in clear: \(!stored.contains(admin.text) && !stored.contains(other.text))")
            return seen
        }
        #expect(outcome == [
            "admin verifies: true", "other verifies: true", "unknown: true", "revoke: true", "revoke again: false",
            "revoked verifies: true", "admin still: true", "listed: [\"admin\", \"reader\"] [admin, viewer] revoked: [false, true]",
            "no key stored in clear: true",
        ])
    }

    /// Keys made before roles existed could do everything: they become admins.
    @Test func keysBeforeRolesBecomeAdmins() async throws {
        let before = Migrations.all.filter { $0.version < 11 }
        let outcome = try await TrafficDatabase.with("roles", migrations: before) { conninfo in
            let connection = try PostgresConnection(conninfo: conninfo)
            try connection.query("INSERT INTO api_keys (name, key_hash) VALUES ('old', $1::bytea)",
                                 [APIKeyStore.byteaText(APIKey.generate().hash)])
            try MigrationRunner(migrations: Migrations.all).run(on: connection)
            let roles = try APIKeyStore(connection: connection).list().map(\.role)
            let refused = (try? connection.query("UPDATE api_keys SET role = 'root'")) == nil
            return (roles, refused)
        }
        #expect(outcome.0 == [.admin])
        #expect(outcome.1, "the CHECK admits only the four roles")
    }
}
