import Foundation

/// A type a setting may have, read from the text a settings file or an
/// environment variable holds, and written back as text.
public protocol SettingValue: Codable, Sendable {
    /// Nil when `text` is not a value of the type.
    init?(settingText text: String)
    var settingText: String { get }
    /// What a good value looks like, for the error about a bad one: "an integer".
    static var expected: String { get }
}

extension String: SettingValue {
    public init?(settingText text: String) { self = text }
    public var settingText: String { self }
    public static var expected: String { "text" }
}

extension Int: SettingValue {
    public init?(settingText text: String) {
        self.init(text.trimmingWhitespace)
    }

    public var settingText: String { String(self) }
    public static var expected: String { "an integer" }
}

extension Bool: SettingValue {
    /// true/false, 1/0 and yes/no, in any case.
    public init?(settingText text: String) {
        switch text.trimmingWhitespace.lowercased() {
        case "true", "1", "yes": self = true
        case "false", "0", "no": self = false
        default: return nil
        }
    }

    public var settingText: String { self ? "true" : "false" }
    public static var expected: String { "a boolean (true/false, 1/0, yes/no)" }
}

/// A comma-separated list; items are trimmed and empty items dropped.
extension Array: SettingValue where Element == String {
    public init?(settingText text: String) {
        self = text.split(separator: ",").map(\.trimmingWhitespace).filter { !$0.isEmpty }
    }

    public var settingText: String { joined(separator: ",") }
    public static var expected: String { "a comma-separated list" }
}

extension StringProtocol {
    var trimmingWhitespace: String { trimmingCharacters(in: .whitespaces) }
}
