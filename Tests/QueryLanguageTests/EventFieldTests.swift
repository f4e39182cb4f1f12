import Database
import Formats
@testable import QueryLanguage
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
        #expect(packets.text == "COALESCE(p.flow_key IN (SELECT e.flow_key FROM dns_events e WHERE (e.question_name = $1 AND e.question_name IS NOT NULL)), false)")
        #expect(packets.parameters == [.text("example.com")])
        let flows = try QueryCompiler.compile("sni == *.example.com", for: .flows)
        #expect(flows.text.hasPrefix("EXISTS (SELECT 1 FROM tls_events e WHERE e.flow_key = f.flow_key"))
        #expect(flows.text.contains("e.ts_ns BETWEEN f.start_ns AND f.end_ns AND (e.server_name LIKE $1 AND e.server_name IS NOT NULL)"))
        #expect(flows.parameters == [.text("%.example.com")])
        let bare = try QueryCompiler.compile("http", for: .packets)
        #expect(bare.text == "COALESCE(p.flow_key IN (SELECT e.flow_key FROM http_events e WHERE true), false)")
    }

    /// In an events search the table's own fields test the event, the others its flow.
    @Test func eventSearchesTestTheEventItself() throws {
        let own = try QueryCompiler.compile("dns.question.name == x && tcp && dns && !tls", for: .events(table: "dns_events"),
                                            firstParameter: 3, window: TimeWindow(start: 5))
        #expect(own.text == """
            (e.ts_ns >= $3 AND ((((e.question_name = $4 AND e.question_name IS NOT NULL) AND COALESCE(f.protocol = 6, false)) AND true) \
            AND (NOT EXISTS (SELECT 1 FROM tls_events e WHERE e.flow_key = f.flow_key AND e.capture_id = f.capture_id \
            AND e.ts_ns BETWEEN f.start_ns AND f.end_ns AND e.ts_ns >= $3 AND true))))
            """)
        #expect(own.parameters == [.integer(5), .text("x")])
    }
}

@Suite struct FieldNameTests {
    /// A name naming two fields would make a query mean one of them silently.
    @Test func everyQueryNameNamesOneField() {
        var owners: [String: Int] = [:]
        for (index, spec) in Fields.all.enumerated() {
            for name in spec.names {
                #expect(owners[name] == nil, "\(name) names two fields")
                owners[name] = index
            }
        }
        for word in Fields.eventProtocols.keys {
            #expect(owners[word] == nil && Fields.protocols[word] == nil, "the bare word \(word) means two things")
        }
    }
}
