/// A setting whose text is not a value of its type.
public struct InvalidSetting: Error, Equatable, Sendable {
    public var key: String
    public var text: String
    /// What a good value looks like: `SettingValue.expected`.
    public var expected: String

    public init(key: String, text: String, expected: String) {
        self.key = key
        self.text = text
        self.expected = expected
    }
}
