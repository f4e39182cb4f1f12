import Foundation

/// A service's flat configuration: a JSON file, overridden by environment
/// variables, overridden in turn by `merging` (command-line flags).
///
/// The variable for key `records_endpoint` with prefix `NETSIFT_DECODER_`
/// is `NETSIFT_DECODER_RECORDS_ENDPOINT`.
public struct Settings: Sendable {
    private struct Entry: Sendable {
        var value: String
        var source: SettingSource
    }

    private var entries: [String: Entry]

    /// Environment variables that carry the prefix but match no known key.
    /// Not an error (other tools may share the prefix); worth a warning.
    public private(set) var unmatchedEnvironment: [String] = []

    /// Reads `file` (when given; it must exist) and then the environment
    /// variables `environmentPrefix` + uppercased key for every known key.
    /// A file key outside `known` is an error.
    public init(file: String?,
                environmentPrefix: String,
                known: Set<String>,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws(SettingsError) {
        entries = [:]
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
        if !environmentPrefix.isEmpty {
            unmatchedEnvironment = environment.keys
                .filter { $0.hasPrefix(environmentPrefix) && !matched.contains($0) }
                .sorted()
        }
    }

    /// Settings from plain values (tests, defaults built in code).
    public init(values: [String: String]) {
        entries = values.mapValues { Entry(value: $0, source: .value) }
    }

    /// A copy where `overrides` replace what the file and environment said.
    public func merging(_ overrides: [String: String]) -> Settings {
        var copy = self
        for (key, value) in overrides {
            copy.entries[key] = Entry(value: value, source: .override)
        }
        return copy
    }

    public func string(_ key: String, default defaultValue: String) -> String {
        entries[key]?.value ?? defaultValue
    }

    public func optionalString(_ key: String) -> String? {
        entries[key]?.value
    }

    public func int(_ key: String, default defaultValue: Int) throws(SettingsError) -> Int {
        guard let entry = entries[key] else { return defaultValue }
        guard let value = Int(entry.value.trimmingCharacters(in: .whitespaces)) else {
            throw .invalidValue(entry.value, key: key, source: entry.source, expected: "an integer")
        }
        return value
    }

    /// Accepts true/false, 1/0 and yes/no, in any case.
    public func bool(_ key: String, default defaultValue: Bool) throws(SettingsError) -> Bool {
        guard let entry = entries[key] else { return defaultValue }
        switch entry.value.trimmingCharacters(in: .whitespaces).lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default:
            throw .invalidValue(entry.value, key: key, source: entry.source,
                                expected: "a boolean (true/false, 1/0, yes/no)")
        }
    }

    /// A comma-separated list; items are trimmed and empty items dropped.
    public func stringList(_ key: String, default defaultValue: [String]) -> [String] {
        guard let entry = entries[key] else { return defaultValue }
        return entry.value.split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }

    /// Where `key`'s value came from (`settings file …`, `environment
    /// variable …`), or nil when it is not set.
    public func source(of key: String) -> String? {
        entries[key].map { String(describing: $0.source) }
    }

    func entry(_ key: String) -> (value: String, source: SettingSource)? {
        entries[key].map { ($0.value, $0.source) }
    }
}
