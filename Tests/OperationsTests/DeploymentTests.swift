import Configurations
import Foundation
import Operations
import ServiceRuntime
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

/// What `netsift up` writes is what each service then reads.
struct DeploymentConfigTests {
    @Test func eachServiceReadsTheConfigurationUpWrote() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("netsift-configs-\(UUID())").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let deployment = Deployment(dataDirectory: root, basePort: 41_000, decoders: 2, httpPort: 41_080)
        try deployment.writeConfigs(conninfo: "host=/tmp dbname=netsift", sensorName: "edge-1")

        func load<C: ServiceConfiguration>(_ type: C.Type, _ name: String) throws -> C {
            try ConfigurationLoader.load(type, file: deployment.configFile(name), environment: [:])
        }
        let storage = try load(StorageConfiguration.self, "storage")
        #expect(storage == deployment.storageConfiguration(conninfo: "host=/tmp dbname=netsift"))
        #expect(storage.databaseURL == "host=/tmp dbname=netsift")
        #expect(storage.metricsPort == 41_003)
        #expect(storage.deploymentID == deployment.id)
        let second = try load(DecoderConfiguration.self, "decoder-2")
        #expect(second == deployment.decoderConfiguration(1))
        #expect(second.framesEndpoint == deployment.endpoint(.decoderFrames(1)))
        #expect(second.metricsPort == deployment.port(.decoderMetrics(1)))
        #expect(try load(SearchConfiguration.self, "search") == deployment.searchConfiguration(conninfo: "host=/tmp dbname=netsift"))
        let sensor = try load(SensorConfiguration.self, "sensor")
        #expect(sensor == deployment.sensorConfiguration(sensorName: "edge-1"))
        #expect(sensor.decoders == [deployment.endpoint(.decoderFrames(0)), deployment.endpoint(.decoderFrames(1))])
        let gateway = try load(GatewayConfiguration.self, "gateway")
        #expect(gateway == deployment.gatewayConfiguration)
        #expect(gateway.port == deployment.httpPort)
        #expect(gateway.searchEndpoint == deployment.endpoint(.search))
        #expect(gateway.readsEndpoint == deployment.endpoint(.storageReads))
        #expect(gateway.exportsDirectory == root + "/exports")
        #expect(gateway.deploymentID == deployment.id)
    }

    @Test func anEditedFileKeepsItsValuesAndTheDeploymentsOwnAreKeptCurrent() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("netsift-configs-\(UUID())").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let deployment = Deployment(dataDirectory: root, decoders: 1)
        try FileManager.default.createDirectory(atPath: deployment.configDirectory, withIntermediateDirectories: true)
        try Data(#"{"commit_workers": "4", "database_url": "old", "records_endpoint": "tcp://old:1"}"#.utf8)
            .write(to: URL(fileURLWithPath: deployment.configFile("storage")))
        try deployment.writeConfigs(conninfo: "new", sensorName: "s")
        let storage = try ConfigurationLoader.load(StorageConfiguration.self, file: deployment.configFile("storage"),
                                                   environment: [:])
        var expected = deployment.storageConfiguration(conninfo: "new")
        expected.commitWorkers = 4
        #expect(storage == expected)
    }
}
