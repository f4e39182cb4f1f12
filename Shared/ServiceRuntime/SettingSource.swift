/// Where a setting's value came from, for error messages.
enum SettingSource: Sendable, Hashable, CustomStringConvertible {
    case file(path: String)
    case environment(variable: String)
    case override
    case value

    var description: String {
        switch self {
        case .file(let path): "settings file \(path)"
        case .environment(let variable): "environment variable \(variable)"
        case .override: "an override (command line)"
        case .value: "a given value"
        }
    }
}
