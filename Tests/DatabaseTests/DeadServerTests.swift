import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite struct NoServerTests {
    @Test func nothingListeningIsAConnectionError() async throws {
        let error = await #expect(throws: PostgresError.self) {
            try await DedicatedThread.run { _ = try PostgresConnection(conninfo: "host=/nonexistent-netsift port=1 dbname=x user=x") }
        }
        #expect(error?.kind == .connection)
        #expect(error?.message.isEmpty == false)
    }
}

/// Its own cluster, because it stops the server under an open connection.
@Suite(.serialized,
       .enabled(if: PostgresTestServer.binariesInstalled, PostgresTestServer.skipMessage),
       .postgresServer("storetests-dead"))
struct DeadServerTests {
    @Test func stoppedServerGivesConnectionErrors() async throws {
        let server = try PostgresTestServer.require()
        let conninfo = server.conninfo
        let (before, onQuery, onCopy, onConnect, connected) = try await DedicatedThread.run {
            let connection = try PostgresConnection(conninfo: conninfo)
            let before = try connection.query("SELECT 1").scalar
            try server.stop()
            let onQuery = capture { try connection.query("SELECT 1") }
            let onCopy = capture {
                try connection.copyIn(sql: "COPY t (a) FROM STDIN (FORMAT binary)", chunks: [BinaryCopyEncoder().bytes])
            }
            let onConnect = capture { _ = try PostgresConnection(conninfo: conninfo) }
            return (before, onQuery, onCopy, onConnect, connection.isConnected)
        }
        #expect(before == "1")
        #expect(onQuery?.kind == .connection)
        #expect(onCopy?.kind == .connection)
        #expect(onConnect?.kind == .connection)
        #expect(!connected)
    }
}
