import Configurations
import Logging
@testable import ServiceRuntime
import Testing

/// A configuration of every kind of value, loaded as a service's would be.
struct ExampleConfiguration: ServiceConfiguration {
    static let service = "decoder"

    var deploymentID: String?
    var recordsEndpoint = "tcp://127.0.0.1:1"
    var batchSize = 7
    var verbose = false
    var peers = ["p"]
    var logLevel = LogLevel.notice
    var name: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case deploymentID = "deployment_id", recordsEndpoint = "records_endpoint", batchSize = "batch_size", verbose
        case peers, logLevel = "log_level", name
    }

    static func help(_ key: CodingKeys) -> String { key.stringValue }
}

@Suite struct SettingsTests {
    let known: Set<String> = Set(ExampleConfiguration.keys)

    @Test func fileIsOverriddenByEnvironment() throws {
        let file = try TemporaryFile(contents: """
            {"records_endpoint": "tcp://file:5556", "batch_size": 100, "verbose": true, "name": "from-file",
             "peers": "a, b,,c "}
            """)
        defer { file.remove() }
        let configuration = try ConfigurationLoader.load(ExampleConfiguration.self, file: file.path, environment: [
            "NETSIFT_DECODER_RECORDS_ENDPOINT": "tcp://env:5556",
            "NETSIFT_DECODER_BATCH_SIZE": "200",
            "OTHER_BATCH_SIZE": "999",
        ])
        #expect(configuration.recordsEndpoint == "tcp://env:5556")
        #expect(configuration.batchSize == 200)
        #expect(configuration.verbose == true)
        #expect(configuration.name == "from-file")
        #expect(configuration.peers == ["a", "b", "c"])
        #expect(configuration.logLevel == .notice)
    }

    @Test func defaultsApplyWhenNothingIsSet() throws {
        let configuration = try ConfigurationLoader.load(ExampleConfiguration.self, file: nil, environment: [:])
        #expect(configuration == ExampleConfiguration())
    }

    @Test func unknownFileKeyIsAnErrorNamingKeyAndFile() throws {
        let file = try TemporaryFile(contents: #"{"records_endpont": "tcp://x:1"}"#)
        defer { file.remove() }
        let error = #expect(throws: SettingsError.self) {
            try ConfigurationLoader.load(ExampleConfiguration.self, file: file.path, environment: [:])
        }
        #expect(error?.kind == .unknownKey)
        #expect(error?.key == "records_endpont")
        #expect(error?.description.contains("\"records_endpont\"") == true)
        #expect(error?.description.contains(file.path) == true)
        #expect(error?.description.contains("records_endpoint") == true, "the known keys are listed")
    }

    @Test func badIntegerNamesTheEnvironmentVariableAndValue() throws {
        let error = #expect(throws: SettingsError.self) {
            try ConfigurationLoader.load(ExampleConfiguration.self, file: nil,
                                         environment: ["NETSIFT_DECODER_BATCH_SIZE": "12x"])
        }
        #expect(error?.kind == .invalidValue)
        #expect(error?.description == """
            setting "batch_size" has value "12x" from environment variable NETSIFT_DECODER_BATCH_SIZE, expected an integer
            """)
    }

    @Test func badBooleanFromFileNamesTheFile() throws {
        let file = try TemporaryFile(contents: #"{"verbose": "maybe"}"#)
        defer { file.remove() }
        let error = #expect(throws: SettingsError.self) {
            try ConfigurationLoader.load(ExampleConfiguration.self, file: file.path, environment: [:])
        }
        #expect(error?.description == """
            setting "verbose" has value "maybe" from settings file \(file.path), expected a boolean (true/false, 1/0, yes/no)
            """)
    }

    @Test func badLogLevelSaysWhichLevelsThereAre() throws {
        let error = #expect(throws: SettingsError.self) {
            try ConfigurationLoader.load(ExampleConfiguration.self, file: nil,
                                         environment: ["NETSIFT_DECODER_LOG_LEVEL": "loud"])
        }
        #expect(error?.description.hasSuffix(
            "expected a log level (trace, debug, info, notice, warning, error, critical)") == true)
    }

    @Test func extraKeysAreTakenAsTextAndOthersStillRefused() throws {
        let file = try TemporaryFile(contents: #"{"dns_ports": "53,5353", "batch_packets": 3}"#)
        defer { file.remove() }
        let configuration = try ConfigurationLoader.load(
            DecoderConfiguration.self, file: file.path, extraKeys: ["dns_ports", "http_ports"],
            environment: ["NETSIFT_DECODER_HTTP_PORTS": "8080", "NETSIFT_DECODER_BATCH_PACKETS": "9"])
        #expect(configuration.extraSettings == ["dns_ports": "53,5353", "http_ports": "8080"])
        #expect(configuration.batchPackets == 9)
        let error = #expect(throws: SettingsError.self) {
            try ConfigurationLoader.load(DecoderConfiguration.self, file: file.path, extraKeys: [],
                                         environment: [:])
        }
        #expect(error?.key == "dns_ports")
    }

    @Test func missingExplicitFileIsAnError() {
        let error = #expect(throws: SettingsError.self) {
            try Settings(file: "/nonexistent/netsift.json", environmentPrefix: "P_", known: known, environment: [:])
        }
        #expect(error?.kind == .missingFile)
        #expect(error?.description.contains("/nonexistent/netsift.json") == true)
    }

    @Test(arguments: [#"{"name": {"nested": 1}}"#, #"{"name": [1]}"#, #"{"name": null}"#, "[1, 2]", "not json"])
    func fileThatIsNotAFlatObjectIsAnError(contents: String) throws {
        let file = try TemporaryFile(contents: contents)
        defer { file.remove() }
        let error = #expect(throws: SettingsError.self) {
            try Settings(file: file.path, environmentPrefix: "P_", known: known, environment: [:])
        }
        #expect(error?.kind == .invalidFile)
    }

    @Test func numbersKeepTheirSpelling() throws {
        let file = try TemporaryFile(contents: #"{"batch_size": 4096, "name": 1.5}"#)
        defer { file.remove() }
        let configuration = try ConfigurationLoader.load(ExampleConfiguration.self, file: file.path, environment: [:])
        #expect(configuration.batchSize == 4096)
        #expect(configuration.name == "1.5")
    }

    @Test func unmatchedPrefixedVariablesAreReported() throws {
        let settings = try Settings(file: nil, environmentPrefix: "NETSIFT_DECODER_", known: known, environment: [
            "NETSIFT_DECODER_BATCH_SIZE": "1", "NETSIFT_DECODER_BATCH_SIZ": "2", "HOME": "/root",
        ])
        #expect(settings.unmatchedEnvironment == ["NETSIFT_DECODER_BATCH_SIZ"])
    }

    @Test func logLevelsMapOntoSwiftLog() {
        for level in LogLevel.allCases {
            #expect(Logger.Level(level).rawValue == level.rawValue)
        }
    }
}
