import Configurations
import ServiceRuntime
import Testing

/// The gateway's settings load as every service's do: its settings file over
/// its defaults, its `NETSIFT_GATEWAY_<KEY>` variables over the file.
@Suite struct GatewaySettingsTests {
    @Test func theEnvironmentOverridesTheFileWhichOverridesTheDefaults() throws {
        let file = try TemporaryFile(contents: #"{"port": 8081, "downloads_total": 32}"#)
        defer { file.remove() }
        let fromFile = try ConfigurationLoader.load(GatewayConfiguration.self, file: file.path, environment: [:])
        #expect(fromFile.port == 8081)
        #expect(fromFile.host == GatewayConfiguration().host)
        let configuration = try ConfigurationLoader.load(GatewayConfiguration.self, file: file.path, environment: [
            "NETSIFT_GATEWAY_PORT": "9090", "NETSIFT_SEARCH_PORT": "1",
        ])
        #expect(configuration.port == 9090)
        #expect(configuration.downloadsTotal == 32, "a key the environment does not set keeps the file's value")
    }

    @Test func aBadValueNamesTheGatewaysVariable() {
        let error = #expect(throws: SettingsError.self) {
            try ConfigurationLoader.load(GatewayConfiguration.self, file: nil,
                                         environment: ["NETSIFT_GATEWAY_IDLE_TIMEOUT_SECONDS": "1m"])
        }
        #expect(error?.description == """
            setting "idle_timeout_seconds" has value "1m" from environment variable \
            NETSIFT_GATEWAY_IDLE_TIMEOUT_SECONDS, expected an integer
            """)
    }
}
