import Logging
import Testing
@testable import ServiceRuntime

@Suite struct SettingsTests {
    let known: Set<String> = ["records_endpoint", "batch_size", "verbose", "peers", "log_level", "name"]

    @Test func fileIsOverriddenByEnvironmentWhichIsOverriddenByMerging() throws {
        let file = try TemporaryFile(contents: """
            {"records_endpoint": "tcp://file:5556", "batch_size": 100, "verbose": true, "name": "from-file"}
            """)
        defer { file.remove() }
        let settings = try Settings(file: file.path, environmentPrefix: "NETSIFT_DECODER_", known: known, environment: [
            "NETSIFT_DECODER_RECORDS_ENDPOINT": "tcp://env:5556",
            "NETSIFT_DECODER_BATCH_SIZE": "200",
            "OTHER_BATCH_SIZE": "999",
        ])
        #expect(settings.string("records_endpoint", default: "x") == "tcp://env:5556")
        #expect(try settings.int("batch_size", default: 1) == 200)
        #expect(try settings.bool("verbose", default: false) == true)
        #expect(settings.string("name", default: "x") == "from-file")
        #expect(settings.optionalString("peers") == nil)
        #expect(settings.source(of: "name") == "settings file \(file.path)")
        #expect(settings.source(of: "batch_size") == "environment variable NETSIFT_DECODER_BATCH_SIZE")

        let merged = settings.merging(["batch_size": "300", "peers": "a, b,,c "])
        #expect(try merged.int("batch_size", default: 1) == 300)
        #expect(merged.stringList("peers", default: []) == ["a", "b", "c"])
        #expect(merged.string("records_endpoint", default: "x") == "tcp://env:5556")
        // The original is unchanged.
        #expect(try settings.int("batch_size", default: 1) == 200)
    }

    @Test func defaultsApplyWhenNothingIsSet() throws {
        let settings = try Settings(file: nil, environmentPrefix: "NETSIFT_X_", known: known, environment: [:])
        #expect(settings.string("name", default: "d") == "d")
        #expect(try settings.int("batch_size", default: 7) == 7)
        #expect(try settings.bool("verbose", default: true) == true)
        #expect(settings.stringList("peers", default: ["p"]) == ["p"])
        #expect(try settings.logLevel("log_level", default: .notice) == .notice)
    }

    @Test func unknownFileKeyIsAnErrorNamingKeyAndFile() throws {
        let file = try TemporaryFile(contents: #"{"records_endpont": "tcp://x:1"}"#)
        defer { file.remove() }
        let error = #expect(throws: SettingsError.self) {
            try Settings(file: file.path, environmentPrefix: "P_", known: known, environment: [:])
        }
        #expect(error?.kind == .unknownKey)
        #expect(error?.key == "records_endpont")
        #expect(error?.description.contains("\"records_endpont\"") == true)
        #expect(error?.description.contains(file.path) == true)
    }

    @Test func badIntegerNamesTheEnvironmentVariableAndValue() throws {
        let settings = try Settings(file: nil, environmentPrefix: "NETSIFT_DECODER_", known: known,
                                    environment: ["NETSIFT_DECODER_BATCH_SIZE": "12x"])
        let error = #expect(throws: SettingsError.self) { try settings.int("batch_size", default: 1) }
        #expect(error?.kind == .invalidValue)
        let message = error?.description ?? ""
        #expect(message.contains("NETSIFT_DECODER_BATCH_SIZE"))
        #expect(message.contains("\"12x\""))
        #expect(message.contains("\"batch_size\""))
    }

    @Test func badBooleanFromFileNamesTheFile() throws {
        let file = try TemporaryFile(contents: #"{"verbose": "maybe"}"#)
        defer { file.remove() }
        let settings = try Settings(file: file.path, environmentPrefix: "P_", known: known, environment: [:])
        let error = #expect(throws: SettingsError.self) { try settings.bool("verbose", default: false) }
        #expect(error?.description.contains(file.path) == true)
    }

    @Test(arguments: [("true", true), ("FALSE", false), ("1", true), ("0", false), ("yes", true), ("No", false)])
    func booleanSpellings(text: String, expected: Bool) throws {
        #expect(try Settings(values: ["verbose": text]).bool("verbose", default: !expected) == expected)
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
        let settings = try Settings(file: file.path, environmentPrefix: "P_", known: known, environment: [:])
        #expect(try settings.int("batch_size", default: 0) == 4096)
        #expect(settings.string("name", default: "") == "1.5")
    }

    @Test func unmatchedPrefixedVariablesAreReported() throws {
        let settings = try Settings(file: nil, environmentPrefix: "NETSIFT_DECODER_", known: known, environment: [
            "NETSIFT_DECODER_BATCH_SIZE": "1", "NETSIFT_DECODER_BATCH_SIZ": "2", "HOME": "/root",
        ])
        #expect(settings.unmatchedEnvironment == ["NETSIFT_DECODER_BATCH_SIZ"])
    }

    @Test func logLevelsParse() throws {
        #expect(Logger.Level(settingsValue: "DEBUG") == .debug)
        #expect(Logger.Level(settingsValue: "warn") == .warning)
        #expect(Logger.Level(settingsValue: "loud") == nil)
        let error = #expect(throws: SettingsError.self) {
            try Settings(values: ["log_level": "loud"]).logLevel("log_level", default: .info)
        }
        #expect(error?.description.contains("\"loud\"") == true)
    }
}
