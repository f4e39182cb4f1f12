/// Where a setting's value came from, for error messages.
enum SettingSource: Sendable, Hashable, CustomStringConvertible {
    case file(path: String)
    case environment(variable: String)
    /// The configuration's own default (a default that does not parse is a bug).
    case `default`

    var description: String {
        switch self {
        case .file(let path): "settings file \(path)"
        case .environment(let variable): "environment variable \(variable)"
        case .default: "the default"
        }
    }
}
