import Configurations
import Events
import Foundation
import Protocols
import Testing

/// docs/OPERATIONS.md's settings tables are made from the configurations:
/// this test fails when they differ, and with `NETSIFT_UPDATE_DOCS=1` it
/// writes them.
@Suite struct SettingsTableTests {
    static let begin = "<!-- settings: made from Shared/Configurations; NETSIFT_UPDATE_DOCS=1 swift test --filter SettingsTableTests rewrites them -->"
    static let end = "<!-- end of settings -->"
    static let document = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/OPERATIONS.md")

    @Test func theDocumentedSettingsAreTheConfigurations() throws {
        let text = try String(contentsOf: Self.document, encoding: .utf8)
        guard let start = text.range(of: Self.begin), let stop = text.range(of: Self.end),
              start.upperBound <= stop.lowerBound else {
            Issue.record("docs/OPERATIONS.md has no settings tables between \(Self.begin) and \(Self.end)")
            return
        }
        let tables = "\n" + Self.tables() + "\n"
        if ProcessInfo.processInfo.environment["NETSIFT_UPDATE_DOCS"] == "1" {
            try text.replacingCharacters(in: start.upperBound ..< stop.lowerBound, with: tables)
                .write(to: Self.document, atomically: true, encoding: .utf8)
            return
        }
        #expect(String(text[start.upperBound ..< stop.lowerBound]) == tables,
                "docs/OPERATIONS.md's settings tables are out of date: NETSIFT_UPDATE_DOCS=1 swift test --filter SettingsTableTests")
    }

    static func tables() -> String {
        let protocols = Dataset.all.map(\.name).joined(separator: ", ")
        let decoder = DecoderConfiguration.extraSettingsHelp
        return [
            table(StorageConfiguration.self),
            table(DecoderConfiguration.self, extra: (decoder.pattern, "\(decoder.help); for \(protocols)")),
            table(SearchConfiguration.self),
            table(GatewayConfiguration.self),
            table(SensorConfiguration.self),
        ].joined(separator: "\n")
    }

    static func table<C: ServiceConfiguration>(_ type: C.Type, extra: (String, String)? = nil) -> String {
        let defaults = C().settingTexts
        var lines = [
            "#### \(C.service) (`netsift-\(C.service)`, environment `\(C.environmentPrefix)<KEY>`)", "",
            "| key | default | what it does |", "|---|---|---|",
        ]
        for key in C.CodingKeys.allCases {
            let value = defaults[key.stringValue].map { $0.isEmpty ? "" : "`\($0)`" } ?? ""
            lines.append("| `\(key.stringValue)` | \(value) | \(C.help(key)) |")
        }
        if let (pattern, help) = extra { lines.append("| \(pattern) | | \(help) |") }
        return lines.joined(separator: "\n") + "\n"
    }
}
