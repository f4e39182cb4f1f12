import Configurations
import Foundation

/// A service's flat settings: a JSON file, overridden by environment
/// variables. `decode` turns them into the service's configuration; a
/// service reads them through `ConfigurationLoader`, never one by one.
///
/// The variable for key `records_endpoint` with prefix `NETSIFT_DECODER_`
/// is `NETSIFT_DECODER_RECORDS_ENDPOINT`.
struct Settings: Sendable {
    private struct Entry: Sendable {
        var value: String
        var source: SettingSource
    }

    private let entries: [String: Entry]

    /// Environment variables that carry the prefix but match no known key.
    /// Not an error (other tools may share the prefix); worth a warning.
    private(set) var unmatchedEnvironment: [String] = []

    /// Reads `file` (when given; it must exist) and then the environment
    /// variables `environmentPrefix` + uppercased key for every known key.
    /// A file key outside `known` is an error.
    init(file: String?,
         environmentPrefix: String,
         known: Set<String>,
         environment: [String: String] = ProcessInfo.processInfo.environment) throws(SettingsError) {
        var entries: [String: Entry] = [:]
        if let file {
            for (key, value) in try SettingsFile.read(path: file) {
                guard known.contains(key) else { throw .unknownKey(key, file: file, known: known) }
                entries[key] = Entry(value: value, source: .file(path: file))
            }
        }
        var matched: Set<String> = []
        for key in known {
            let variable = environmentPrefix + key.uppercased()
            if let value = environment[variable] {
                entries[key] = Entry(value: value, source: .environment(variable: variable))
                matched.insert(variable)
            }
        }
        self.entries = entries
        if !environmentPrefix.isEmpty {
            unmatchedEnvironment = environment.keys
                .filter { $0.hasPrefix(environmentPrefix) && !matched.contains($0) }
                .sorted()
        }
    }

    /// The configuration these settings give, each key they lack at its default.
    func decode<C: ServiceConfiguration>(_ type: C.Type) throws(SettingsError) -> C {
        do throws(InvalidSetting) {
            return try C(settingTexts: entries.mapValues(\.value))
        } catch {
            throw .invalidValue(error.text, key: error.key, source: entries[error.key]?.source ?? .default,
                                expected: error.expected)
        }
    }

    /// The texts of those of `keys` that are set.
    func texts(of keys: Set<String>) -> [String: String] {
        entries.filter { keys.contains($0.key) }.mapValues(\.value)
    }
}
