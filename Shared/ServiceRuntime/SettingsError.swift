/// A settings file or value that cannot be used. The message names the key,
/// the value and where it came from (file path or environment variable).
public struct SettingsError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Hashable {
        /// A settings file was given but does not exist.
        case missingFile
        /// The file exists but could not be read.
        case unreadableFile
        /// The file is not a flat JSON object of strings, numbers and booleans.
        case invalidFile
        /// The file names a key the service does not know (usually a typo).
        case unknownKey
        /// A value does not parse as its setting's type.
        case invalidValue
    }

    public let kind: Kind
    /// The setting concerned, when there is one.
    public let key: String?
    public let description: String

    init(kind: Kind, key: String? = nil, description: String) {
        self.kind = kind
        self.key = key
        self.description = description
    }

    static func missingFile(_ path: String) -> SettingsError {
        SettingsError(kind: .missingFile, description: "settings file \(path) does not exist")
    }

    static func unreadableFile(_ path: String, reason: String) -> SettingsError {
        SettingsError(kind: .unreadableFile, description: "settings file \(path) cannot be read: \(reason)")
    }

    static func invalidFile(_ path: String, reason: String) -> SettingsError {
        SettingsError(kind: .invalidFile, description:
            "settings file \(path) must be a JSON object of strings, numbers and booleans: \(reason)")
    }

    static func unknownKey(_ key: String, file path: String, known: Set<String>) -> SettingsError {
        SettingsError(kind: .unknownKey, key: key, description:
            "settings file \(path): unknown key \"\(key)\" (known keys: \(known.sorted().joined(separator: ", ")))")
    }

    static func invalidValue(_ value: String, key: String, source: SettingSource, expected: String) -> SettingsError {
        SettingsError(kind: .invalidValue, key: key, description:
            "setting \"\(key)\" has value \"\(value)\" from \(source), expected \(expected)")
    }
}
