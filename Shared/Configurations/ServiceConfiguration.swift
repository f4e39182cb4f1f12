/// One service's settings as a value: each stored property is a setting
/// whose key is its `CodingKeys` case and whose default is its value in
/// `init()`. The service's main loads it (file, then environment), `netsift
/// up` writes it, and the settings table in docs/OPERATIONS.md is made from
/// it, so a key is written once.
///
/// Properties hold `SettingValue`s only (text, integers, booleans, lists,
/// a log level), optional when the setting has no default.
public protocol ServiceConfiguration: Codable, Sendable, Equatable {
    associatedtype CodingKeys: CodingKey & CaseIterable

    /// The service's name: `storage` reads `NETSIFT_STORAGE_<KEY>`.
    static var service: String { get }

    /// Every setting at its default.
    init()

    /// What the setting does, for the settings table.
    static func help(_ key: CodingKeys) -> String

    var logLevel: LogLevel { get }
    /// Stamped on every health answer, so `netsift status` and `up` can
    /// tell their own services from another deployment's.
    var deploymentID: String? { get }
}

extension ServiceConfiguration {
    /// Every key, in declaration order.
    public static var keys: [String] { CodingKeys.allCases.map(\.stringValue) }

    /// `NETSIFT_<SERVICE>_`: with the key in upper case, a setting's environment variable.
    public static var environmentPrefix: String { "NETSIFT_\(service.uppercased())_" }
}

/// A configuration that also takes a family of settings its own module
/// cannot list: the decoder's `<protocol>_<option>`, named by the protocols
/// the decoder links. The service names them when it loads the
/// configuration, and they arrive as text for it to parse.
public protocol ExtensibleConfiguration: ServiceConfiguration {
    /// The family's settings that were given, by key.
    var extraSettings: [String: String] { get set }

    /// The family's row in the settings table: a pattern for its keys and what they do.
    static var extraSettingsHelp: (pattern: String, help: String) { get }
}
