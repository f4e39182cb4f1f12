@testable import Query
import Store
import Testing

/// The language's application-layer fields against the events tables storage writes.
@Suite struct EventFieldTests {
    @Test func everyEventFieldNamesAColumnOfItsTable() {
        let columns = Dictionary(uniqueKeysWithValues: EventTable.all.map { ($0.name, Set($0.columns.map(\.name))) })
        for spec in Fields.application {
            guard let event = spec.event else {
                Issue.record("\(spec.names[0]) has no events column")
                continue
            }
            let name: String
            switch event.column {
            case .one(let sql), .array(let sql): name = String(sql.dropFirst(2))
            default: name = ""
            }
            #expect(columns[event.table]?.contains(name) == true, "\(spec.names[0]) → \(event.table).\(name)")
        }
        for table in Fields.eventProtocols.values { #expect(columns[table] != nil, "\(table)") }
    }

    @Test func eventFieldsSelectFlowsThroughTheirEvents() throws {
        let packets = try QueryCompiler.compile("dns.question.name == \"example.com\"", for: .packets)
        #expect(packets.text == "COALESCE(p.flow_key IN (SELECT e.flow_key FROM dns_events e WHERE COALESCE(e.question_name = $1, false)), false)")
        #expect(packets.parameters == [.text("example.com")])
        let flows = try QueryCompiler.compile("sni == *.example.com", for: .flows)
        #expect(flows.text.hasPrefix("EXISTS (SELECT 1 FROM tls_events e WHERE e.flow_key = f.flow_key"))
        #expect(flows.text.contains("e.ts_ns BETWEEN f.start_ns AND f.end_ns AND COALESCE(e.server_name LIKE $1, false)"))
        #expect(flows.parameters == [.text("%.example.com")])
        let bare = try QueryCompiler.compile("http", for: .packets)
        #expect(bare.text == "COALESCE(p.flow_key IN (SELECT e.flow_key FROM http_events e WHERE true), false)")
    }
}
