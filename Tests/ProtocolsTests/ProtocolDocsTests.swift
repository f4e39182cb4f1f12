import Dissection
import Events
import Foundation
import Testing
import TestSupport
@testable import Protocols

/// docs/PROTOCOLS.md's tables are the registries printed: a protocol added,
/// a column renamed or an alias changed without the docs fails here, with
/// the text to paste.
@Suite struct ProtocolDocsTests {
    static let begin = "<!-- generated from the registries: ProtocolDocsTests -->\n"
    static let end = "<!-- end of generated tables -->"

    @Test func protocolsDocumentShowsTheRegistries() throws {
        let url = PostgresTestServer.repositoryRoot.appendingPathComponent("docs/PROTOCOLS.md")
        let text = try String(contentsOf: url, encoding: .utf8)
        let documented = try #require(text.range(of: Self.begin).flatMap { start in
            text.range(of: Self.end, range: start.upperBound ..< text.endIndex).map { String(text[start.upperBound ..< $0.lowerBound]) }
        }, "docs/PROTOCOLS.md has no generated section")
        let expected = Self.tables()
        #expect(documented == expected, "docs/PROTOCOLS.md's tables differ from the registries; they should read:\n\(expected)")
    }

    static func tables() -> String {
        var out = "| dataset | wire code | transports | default ports | bare query words | events table |\n"
        out += "|---|---|---|---|---|---|\n"
        for dataset in Dataset.all {
            let module = ProtocolModules.module(dataset)
            let transports = (module?.transports ?? []).sorted().map(transportName).joined(separator: ", ")
            let ports = (module?.defaultPorts ?? []).sorted().map(String.init).joined(separator: ", ")
            out += "| `\(dataset.name)` | \(dataset.code) | \(transports) | \(ports.isEmpty ? "—" : ports) | "
                + (dataset.queryNames.isEmpty ? "—" : dataset.queryNames.map { "`\($0)`" }.joined(separator: ", "))
                + " | `\(dataset.table)` |\n"
        }
        for dataset in Dataset.all {
            out += "\n`\(dataset.table)`:\n\n| column | type | ECS field | query names |\n|---|---|---|---|\n"
            for column in dataset.columns {
                let names = column.queryNames.isEmpty ? "—" : column.queryNames.map { "`\($0)`" }.joined(separator: ", ")
                out += "| `\(column.name)` | \(column.kind.sqlType) | `\(column.field)` | \(names) |\n"
            }
        }
        return out
    }

    static func transportName(_ number: UInt8) -> String {
        switch number {
        case IPProtocol.tcp: "TCP"
        case IPProtocol.udp: "UDP"
        case IPProtocol.icmp: "ICMP"
        case IPProtocol.icmpv6: "ICMPv6"
        default: "IP protocol \(number)"
        }
    }
}
