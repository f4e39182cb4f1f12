import ArgumentParser
import Auth
import Formats
@testable import NetSift
import Testing

@Suite struct KeysCommandTests {
    @Test func createTakesARoleAndDefaultsToTheLeastPrivilege() throws {
        #expect(try KeysCommand.Create.parse(["ingest-bot", "--role", "sensor"]).role == .sensor)
        #expect(try KeysCommand.Create.parse(["ingest-bot", "--role", "sensor"]).name == "ingest-bot")
        for role in APIRole.allCases {
            #expect(try KeysCommand.Create.parse(["k", "--role", role.rawValue]).role == role)
        }
        #expect(try KeysCommand.Create.parse(["someone"]).role == .viewer, "no --role: read only")
        #expect(try KeysCommand.Create.parse(["--name", "old-style"]).name == "old-style")
        #expect(try KeysCommand.Create.parse([]).name == "key")
    }

    @Test func badRolesAndTwoNamesAreRefused() {
        #expect(throws: (any Error).self) { try KeysCommand.Create.parse(["k", "--role", "root"]) }
        #expect(throws: (any Error).self) { try KeysCommand.Create.parse(["k", "--role", "Admin"]) }
        #expect(throws: (any Error).self) { try KeysCommand.Create.parse(["a", "--name", "b"]) }
    }
}
