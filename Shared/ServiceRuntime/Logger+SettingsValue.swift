import Foundation
import Logging

extension Logger.Level {
    /// Parses a level as written in settings: the level's name in any case,
    /// with "warn" accepted for "warning".
    public init?(settingsValue: String) {
        let name = settingsValue.trimmingCharacters(in: .whitespaces).lowercased()
        if name == "warn" {
            self = .warning
        } else if let level = Logger.Level(rawValue: name) {
            self = level
        } else {
            return nil
        }
    }
}
