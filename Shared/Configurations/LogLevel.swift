/// How much a service logs: swift-log's levels, by name.
public enum LogLevel: String, CaseIterable, Sendable, SettingValue {
    case trace, debug, info, notice, warning, error, critical

    /// The level's name in any case; "warn" is taken for "warning".
    public init?(settingText text: String) {
        let name = text.trimmingWhitespace.lowercased()
        guard let level = name == "warn" ? LogLevel.warning : LogLevel(rawValue: name) else { return nil }
        self = level
    }

    public var settingText: String { rawValue }
    public static var expected: String {
        "a log level (\(allCases.map(\.rawValue).joined(separator: ", ")))"
    }
}
