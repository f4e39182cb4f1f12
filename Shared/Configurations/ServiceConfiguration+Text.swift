extension ServiceConfiguration {
    /// The configuration `texts` give (key → the text a settings file or an
    /// environment variable holds), each key they lack at its default.
    /// Texts of other keys are not read.
    public init(settingTexts texts: [String: String]) throws(InvalidSetting) {
        let given = Self().settingTexts.merging(texts) { $1 }
        do {
            self = try Self(from: SettingTextDecoder(texts: given))
        } catch let error as InvalidSetting {
            throw error
        } catch {
            // The decoder throws nothing else: every property is a SettingValue.
            fatalError("\(Self.self) holds a property that is not a SettingValue: \(error)")
        }
    }

    /// Every setting that has a value, as the text a settings file holds.
    public var settingTexts: [String: String] {
        let encoder = SettingTextEncoder()
        do {
            try encode(to: encoder)
        } catch {
            fatalError("\(Self.self) holds a property that is not a SettingValue: \(error)")
        }
        return encoder.texts.value
    }
}
