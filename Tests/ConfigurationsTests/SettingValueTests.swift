import Configurations
import Testing

@Suite struct SettingValueTests {
    @Test(arguments: [("true", true), ("FALSE", false), ("1", true), ("0", false), ("yes", true), (" No ", false)])
    func booleanSpellings(text: String, expected: Bool) {
        #expect(Bool(settingText: text) == expected)
    }

    @Test func textsThatAreNotValuesAreRefused() {
        #expect(Bool(settingText: "maybe") == nil)
        #expect(Int(settingText: "12x") == nil)
        #expect(Int(settingText: "1.5") == nil)
        #expect(LogLevel(settingText: "loud") == nil)
    }

    @Test func integersAndLevelsAreTrimmedAndLevelsTakeWarn() {
        #expect(Int(settingText: " 42\t") == 42)
        #expect(LogLevel(settingText: "DEBUG") == .debug)
        #expect(LogLevel(settingText: "warn") == .warning)
    }

    @Test func listsAreCommaSeparatedTrimmedAndWithoutEmptyItems() {
        #expect([String](settingText: "a, b,,c ") == ["a", "b", "c"])
        #expect([String](settingText: "") == [])
        #expect(["x", "y"].settingText == "x,y")
    }
}
