import Foundation
import Operations
import Testing

struct DeploymentTests {
    @Test func theAPIPortMayNotLieInsideTheReservedRange() {
        let deployment = Deployment(dataDirectory: "/d", basePort: 40_000, decoders: 2, httpPort: 40_015)
        #expect(deployment.reservedPorts == 40_000 ... 40_015)
        #expect(deployment.portOverlap?.contains("inside the ports 40000-40015") == true)
        #expect(Deployment(dataDirectory: "/d", basePort: 40_000, decoders: 2, httpPort: 40_016).portOverlap == nil)
        #expect(Deployment(dataDirectory: "/d", basePort: 40_000, decoders: 1, httpPort: 39_999).portOverlap == nil)
    }

    @Test func endpointsAreUnixSocketsInAPrivateDirectory() throws {
        let short = Deployment(dataDirectory: "/srv/netsift")
        #expect(short.endpoint(.storageRecords) == "ipc:///srv/netsift/run/storage-records")
        #expect(short.endpoint(.decoderEvents(15)) == "ipc:///srv/netsift/run/decoder-16-events")
        // Too long for a socket's address: a short directory elsewhere, stable per data directory.
        let long = Deployment(dataDirectory: "/srv/" + String(repeating: "x", count: 100))
        #expect(long.socketDirectory.count < 60 && !long.socketDirectory.hasPrefix("/srv/"))
        #expect(long.socketDirectory == Deployment(dataDirectory: long.dataDirectory).socketDirectory)
        #expect(("ipc://" + long.socketDirectory + "/decoder-16-events").utf8.count - 6 <= 107)
    }

    @Test func aSocketDirectoryOpenToOthersIsRefused() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("netsift-deployment-\(UUID())").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let deployment = Deployment(dataDirectory: root)
        try deployment.prepareSocketDirectory()
        #expect(((try FileManager.default.attributesOfItem(atPath: root + "/run"))[.posixPermissions] as? Int) == 0o700)
        chmod(root + "/run", 0o755)
        #expect(throws: OperationsError.self) { try deployment.prepareSocketDirectory() }
        try FileManager.default.removeItem(atPath: root + "/run")
        try FileManager.default.createSymbolicLink(atPath: root + "/run", withDestinationPath: "/tmp")
        #expect(throws: OperationsError.self) { try deployment.prepareSocketDirectory() }
    }
}
