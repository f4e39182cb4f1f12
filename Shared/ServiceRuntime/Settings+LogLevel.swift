import Logging

extension Settings {
    /// A log level ("trace", "debug", "info", "notice", "warning"/"warn",
    /// "error", "critical").
    public func logLevel(_ key: String, default defaultValue: Logger.Level) throws(SettingsError) -> Logger.Level {
        guard let (value, source) = entry(key) else { return defaultValue }
        guard let level = Logger.Level(settingsValue: value) else {
            throw .invalidValue(value, key: key, source: source,
                                expected: "a log level (trace, debug, info, notice, warning, error, critical)")
        }
        return level
    }
}
