import Auth
import Foundation
import Store
import Testing
import TestSupport

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
            _ = try MigrationRunner().run(on: connection)
            let store = APIKeyStore(connection: connection)
            let (adminID, admin) = try store.create(name: "admin")
            let (otherID, other) = try store.create(name: "reader")
            var seen: [String] = []
            seen.append("admin verifies: \(try store.verify(admin) == adminID)")
            seen.append("other verifies: \(try store.verify(other) == otherID)")
            seen.append("unknown: \(try store.verify(APIKey.generate()) == nil)")
            seen.append("revoke: \(try store.revoke(id: otherID))")
            seen.append("revoke again: \(try store.revoke(id: otherID))")
            seen.append("revoked verifies: \(try store.verify(other) == nil)")
            seen.append("admin still: \(try store.verify(admin) == adminID)")
            let list = try store.list()
            seen.append("listed: \(list.map(\.name)) revoked: \(list.map { $0.revokedAt != nil })")
            let stored = try connection.query("SELECT encode(key_hash, 'hex') FROM api_keys").rows.compactMap { $0[0] ?? nil }
            seen.append("no key stored in clear: \(!stored.contains(admin.text) && !stored.contains(other.text))")
            return seen
        }
        #expect(outcome == [
            "admin verifies: true", "other verifies: true", "unknown: true", "revoke: true", "revoke again: false",
            "revoked verifies: true", "admin still: true", "listed: [\"admin\", \"reader\"] revoked: [false, true]",
            "no key stored in clear: true",
        ])
    }
}
