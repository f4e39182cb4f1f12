import Configurations
import Foundation
@testable import Gateway
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@Suite struct GatewayConfigurationTests {
    @Test func theDefaultsAreTheSettingsDefaults() {
        let configuration = GatewayConfiguration()
        #expect(configuration.host == "127.0.0.1" && configuration.port == 8080)
        #expect(configuration.searchEndpoint == "tcp://127.0.0.1:47305" && configuration.readsEndpoint == "tcp://127.0.0.1:47307")
        #expect(configuration.exports.path == "exports" && configuration.exports.minimumFreeBytes == 1 << 30)
        #expect(configuration.exportsMaxAge == .seconds(168 * 3600))
        var keeping = configuration
        keeping.exportsMaxAgeHours = 0
        #expect(keeping.exportsMaxAge == nil, "0 keeps exports")
        #expect(configuration.downloadLimits == DownloadLimits.default)
        #expect(configuration.timeouts == ConnectionTimeouts(header: .seconds(10), idle: .seconds(60)))
        #expect(configuration.deploymentID == nil)
    }

    /// The application answers from the configuration's deployment and exports directory.
    @Test func theApplicationIsBuiltFromItsConfiguration() async throws {
        let backends = try FakeInstallation.backends()
        var configuration = GatewayConfiguration()
        configuration.exportsDirectory = backends.exports.path
        configuration.deploymentID = "lab-1"
        let app = buildApplication(configuration, search: backends.search, frames: backends.frames,
                                   logger: Logger(label: "gateway-test"))
        try await app.test(.router) { client in
            let health = try await client.execute(uri: "/api/v1/health", method: .get)
            #expect(String(buffer: health.body).contains(#""deployment":"lab-1""#))
            let exports = try await client.execute(uri: "/api/v1/exports", method: .get, headers: FakeBackends.authorization)
            #expect(String(buffer: exports.body).contains(FakeInstallation.exportName))
        }
    }
}
