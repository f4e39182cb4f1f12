import Events
import Records
import Testing

/// `EventDocument`'s text, pinned: what `netsift dump --json` prints and
/// what search rebuilds from storage, so it must not drift.
struct EventDocumentTests {
    @Test func namesNestLeavesStayAndTheFirstOfANameWins() {
        let event = EventRecord(
            captureID: 3, sequence: 1, dataset: .dns, flowKey: 0xAB, communityID: "1:x=", time: 1_500_000_000_123_456_789,
            frames: [4, 9], fields: [
                ProtocolField("dns.question.name", .string("a.example")),
                ProtocolField("a", .integer(1)),
                ProtocolField("a.b", .bool(true)),
                ProtocolField("dns.answers", .list([.object([ProtocolField("data", .string("10.0.0.1")),
                                                             ProtocolField("ttl.s", .integer(60))]), .null])),
                ProtocolField("a.c.d", .time(0)),
                ProtocolField("dns.question.name", .string("second")),
                ProtocolField("", .string("nameless")),
                ProtocolField("m..n", .string("empty segment")),
                ProtocolField("a", .integer(2)),
                ProtocolField("netsift.capture", .integer(99)),
                ProtocolField("netsift.note", .string("q\"\\\n\u{1}")),
                ProtocolField(".lead", .integer(5)),
                ProtocolField("trail.", .integer(6)),
                ProtocolField("a..x.", .integer(7)),
                ProtocolField("...", .integer(8)),
                ProtocolField("netsift.event", .integer(-1)),
            ])
        #expect(String(decoding: EventDocument.bytes(event), as: UTF8.self) == #"{"@timestamp":"2017-07-14T02:40:00.123456789Z","event":{"dataset":"dns","kind":"event"},"flow":{"id":"00000000000000ab"},"network":{"community_id":"1:x="},"netsift":{"capture":3,"frames":[4,9],"note":"q\"\\\n\u0001","event":-1},"dns":{"question":{"name":"a.example"},"answers":[{"data":"10.0.0.1","ttl":{"s":60}},null]},"a":1,"a.b":true,"a.c.d":"1970-01-01T00:00:00.000000000Z","a.x":7,"m":{"n":"empty segment"},"lead":5,"trail":6}"#)
        // Stored: the id replaces an event's own `netsift.event`.
        #expect(String(decoding: EventDocument.bytes(event, storedID: 42), as: UTF8.self) == #"{"@timestamp":"2017-07-14T02:40:00.123456789Z","event":{"dataset":"dns","kind":"event"},"flow":{"id":"00000000000000ab"},"network":{"community_id":"1:x="},"netsift":{"capture":3,"frames":[4,9],"event":42,"note":"q\"\\\n\u0001"},"dns":{"question":{"name":"a.example"},"answers":[{"data":"10.0.0.1","ttl":{"s":60}},null]},"a":1,"a.b":true,"a.c.d":"1970-01-01T00:00:00.000000000Z","a.x":7,"m":{"n":"empty segment"},"lead":5,"trail":6}"#)
    }
}
