@testable import Database
import Events
import Foundation
import PostgresClient
import Records
import TestSupport
import Testing

/// Events stored as typed columns plus `fields` (migration 15) and read
/// back as documents: the same event, and the same document `netsift dump
/// --json` prints, whatever went to a column.
@Suite(.enabled(if: PostgresTestServer.binariesInstalled, PostgresTestServer.skipMessage),
       .postgresServer("eventstorage"))
struct EventStorageTests {
    static let day: Int64 = 1_714_521_600_000_000_000  // 2024-05-01

    /// A stored row read back: the event rebuilt, the document, and how many
    /// fields its typed columns hold.
    struct ReadBack: Sendable {
        var id: Int64
        var record: EventRecord
        var document: String
        var columnFields: Int
    }

    /// Every row of the capture's events, by table.
    static func readBack(_ connection: PostgresConnection, captureID: UInt64) throws -> [ReadBack] {
        var read: [ReadBack] = []
        for table in EventTable.all {
            let selection = EventSelection([table])
            let result = try connection.query("""
                SELECT \(selection.columns(of: table)), get_byte(e.fields, 1)
                FROM \(table.name) e WHERE e.capture_id = $1 ORDER BY e.id
                """, [Int64(bitPattern: captureID)])
            for index in result.rows.indices {
                let row = try #require(result.row(index))
                let (id, document) = try selection.event(row)
                let record = try selection.record(row, table: table, typedAt: EventSelection.leadingColumns)
                read.append(ReadBack(id: id, record: record, document: document,
                                     columnFields: try #require(row.int(EventSelection.leadingColumns + table.columns.count))))
            }
        }
        return read
    }

    /// The event as storage keeps it: NULs in its strings as U+FFFD.
    static func clean(_ event: EventRecord) -> EventRecord {
        var clean = event
        clean.fields = EncodedFields(clean.fields.values().map(\.withoutNUL))
        return clean
    }

    static func document(_ event: EventRecord, id: Int64) -> String {
        String(decoding: EventDocument.bytes(clean(event), storedID: id), as: UTF8.self)
    }

    struct Identity: Hashable {
        var flowKey: UInt64
        var time: Int64
        var sequence: UInt32
        init(_ event: EventRecord) {
            flowKey = event.flowKey
            time = event.time
            sequence = event.sequence
        }
    }

    /// The shared captures of every protocol, stored and read back: each
    /// event as decoded, its document byte for byte `EventDocument`'s.
    @Test(.enabled(if: SharedCaptures.available, SharedCaptures.skipMessage))
    func everyDatasetsEventsReadBackAsDecoded() async throws {
        // (capture, what was read back, the event decoded with its identity), checked outside the database's thread.
        let read = try await TrafficDatabase.with("eventroundtrip") { conninfo in
            let writer = try TrafficWriter(conninfo: conninfo)
            var read: [(path: String, stored: [ReadBack], decoded: [EventRecord])] = []
            for folder in Dataset.all.map(\.name) {  // the shared captures have a folder per protocol
                for path in SharedCaptures.captures(in: folder) {
                    let captureID = try writer.startCapture(sensor: testSensor, source: path)
                    let decoded = try DecodedCapture.decode(path: path, captureID: captureID)
                    for batch in decoded.batches { _ = try writer.commit(batch) }
                    read.append((path, try Self.readBack(writer.connection, captureID: captureID),
                                 decoded.batches.flatMap(\.events)))
                }
            }
            return read
        }
        var checked: [String: (events: Int, withColumns: Int)] = [:]
        for (path, stored, decoded) in read {
            let name = (path as NSString).lastPathComponent
            let byIdentity = Dictionary(decoded.map { (Identity($0), $0) }, uniquingKeysWith: { first, _ in first })
            #expect(stored.count == decoded.count, "\(name): \(stored.count) of \(decoded.count) events")
            for event in stored {
                let original = try #require(byIdentity[Identity(event.record)], "\(name): an event not decoded")
                #expect(event.record == Self.clean(original), "\(name) event \(event.id)")
                #expect(event.document == Self.document(original, id: event.id), "\(name) event \(event.id)")
                checked[original.dataset.name, default: (0, 0)].events += 1
                if event.columnFields > 0 { checked[original.dataset.name, default: (0, 0)].withColumns += 1 }
            }
        }
        for dataset in Dataset.all {
            let counts = checked[dataset.name] ?? (0, 0)
            #expect(counts.events > 0 && counts.withColumns > 0, "\(dataset.name): \(counts)")
        }
    }

    /// Events made to probe the rule: a field goes to its column only when
    /// the column gives it back exactly; the rest, odd values included,
    /// stay in `fields`; NULs become U+FFFD wherever they are.
    static func awkwardEvents(captureID: UInt64) -> [EventRecord] {
        func event(_ dataset: Dataset, _ sequence: UInt32, _ fields: [ProtocolField]) -> EventRecord {
            EventRecord(captureID: captureID, sequence: sequence, dataset: dataset, flowKey: UInt64.max - UInt64(sequence),
                        communityID: "1:awkward=", time: day + Int64(sequence), frames: [1, UInt64(sequence), .max],
                        fields: fields)
        }
        let answer = ProtocolField.Value.object([ProtocolField("name", .string("a.example")),
                                                 ProtocolField("data", .string("10.0.0.1"))])
        return [
            event(.dns, 1, [
                ProtocolField("dns.question.name", .string("nul\0inside.example")),
                ProtocolField("dns.id", .integer(4660)),
                ProtocolField("dns.answers", .list([answer, .list([.null, .bool(true), .time(-1)])])),
                ProtocolField("dns.resolved_ip", .strings(["10.0.0.1", "2001:db8::1", "::ffff:1.2.3.4"])),
                ProtocolField("dns.question.type", .integer(1)),
                ProtocolField("note", .string("tab\there \u{1F600} \0")),
                ProtocolField("dns.question.name", .string("second of the name")),
            ]),
            event(.dns, 2, [
                ProtocolField("dns.resolved_ip", .strings(["10.0.0.1", "not an address"])),
                ProtocolField("dns.response_code", .null),
                ProtocolField("dns.id", .string("4660")),
            ]),
            event(.dns, 3, [ProtocolField("dns.resolved_ip", .list([])), ProtocolField("dns.question.name", .string(""))]),
            event(.dns, 4, [ProtocolField("dns.resolved_ip", .strings(["2001:DB8::1"]))]),
            event(.dhcp, 5, [
                ProtocolField("dhcp.requested_address", .string("010.0.0.1")),
                ProtocolField("dhcp.assigned_address", .string("192.168.1.20")),
                ProtocolField("dhcp.hostname", .string("")),
            ]),
            event(.http, 6, [
                ProtocolField("http.response.status_code", .integer(.min)),
                ProtocolField("url.original", .string("/a?b=c")),
                ProtocolField("netsift.event", .integer(99)),
                ProtocolField("event.dataset", .string("not http")),
            ]),
            event(.tls, 7, [ProtocolField("tls.client.ja3", .integer(3)), ProtocolField("tls.version", .string("1.3"))]),
            event(.icmp, 8, [ProtocolField("icmp.version", .integer(.max)), ProtocolField("icmp.request.type", .bool(true))]),
            event(.icmp, 9, []),
        ]
    }

    @Test func awkwardFieldsReadBackAsWritten() async throws {
        let (events, read) = try await TrafficDatabase.with("eventawkward") { conninfo in
            let writer = try TrafficWriter(conninfo: conninfo)
            let captureID = try writer.startCapture(sensor: testSensor, source: "awkward")
            let events = Self.awkwardEvents(captureID: captureID)
            _ = try writer.commit(RecordBatch(producer: UUID(), sequence: 1, events: events))
            return (events, try Self.readBack(writer.connection, captureID: captureID))
        }
        let byIdentity = Dictionary(events.map { (Identity($0), $0) }, uniquingKeysWith: { first, _ in first })
        #expect(read.count == events.count)
        var columnFields: [UInt32: Int] = [:]
        for stored in read {
            let event = try #require(byIdentity[Identity(stored.record)])
            #expect(stored.record == Self.clean(event), "event \(event.sequence)")
            #expect(stored.document == Self.document(event, id: stored.id), "event \(event.sequence)")
            columnFields[event.sequence] = stored.columnFields
        }
        // The first dns.question.name, dns.id and the canonical addresses are columns; the rest is not.
        #expect(columnFields == [1: 3, 2: 0, 3: 2, 4: 0, 5: 2, 6: 2, 7: 1, 8: 1, 9: 0])
        let first = try #require(read.first { $0.record.sequence == 1 })
        #expect(first.document.contains(#""name":"nul\#u{FFFD}inside.example""#))
        #expect(first.document.contains(#""note":"tab\there \#u{1F600} \#u{FFFD}""#))
        let http = try #require(read.first { $0.record.sequence == 6 })
        let object = try Self.object(http.document)
        #expect(Self.eventID(object) == Int(http.id))
        #expect((object["event"] as? [String: Any])?["dataset"] as? String == "http")
    }

    /// A data directory from before migration 15: its rows keep `doc` and
    /// read as they did (the jsonb text, with the id as `netsift.event`),
    /// beside rows stored after the upgrade.
    @Test func rowsStoredBeforeTheUpgradeStillRead() async throws {
        let (old, new) = try await TrafficDatabase.with("eventupgrade",
                                                        migrations: Array(Migrations.all.prefix { $0.version < Migrations.eventFields.version })) {
            conninfo in
            let connection = try PostgresConnection(conninfo: conninfo)
            var partitions = PartitionManager()
            try partitions.ensure(.events(.dns), coveringTimes: [Self.day], on: connection)
            let event = Self.awkwardEvents(captureID: 7)[0]
            let oldID = try #require(try connection.query("""
                INSERT INTO dns_events (capture_id, flow_key, ts_ns, sequence, batch_id, community_id, frames, doc, dns_id)
                VALUES (7, $1, $2, 1, 1, '1:awkward=', '{1,1,-1}', $3::jsonb, 4660) RETURNING id
                """, [Int64(bitPattern: event.flowKey), event.time,
                      String(decoding: EventDocument.bytes(Self.clean(event)), as: UTF8.self)]).row(0)?.int64(0))
            try MigrationRunner(migrations: Migrations.all).run(on: connection)

            let writer = try TrafficWriter(conninfo: conninfo)
            var later = event
            later.sequence = 2
            _ = try writer.commit(RecordBatch(producer: UUID(), sequence: 1, events: [later]))
            let selection = EventSelection(EventTable.all)
            let table = try #require(EventTable.named("dns_events"))
            let rows = try connection.query("""
                SELECT \(selection.columns(of: table)) FROM dns_events e WHERE e.capture_id = 7 ORDER BY e.id
                """)
            let read = try rows.rows.indices.map { try selection.event(try #require(rows.row($0))) }
            return (read.first { $0.id == oldID }, read.first { $0.id != oldID })
        }
        let stored = try #require(old)
        let rebuilt = try #require(new)
        #expect(stored.document.hasPrefix(#"{"dns": {"#), "jsonb's text: \(stored.document)")
        var oldObject = try Self.object(stored.document)
        var newObject = try Self.object(rebuilt.document)
        #expect(Self.eventID(oldObject) == Int(stored.id))
        #expect(Self.eventID(newObject) == Int(rebuilt.id))
        for key in ["netsift"] { oldObject[key] = nil; newObject[key] = nil }
        #expect(NSDictionary(dictionary: oldObject).isEqual(to: newObject), "\(stored.document)\n\(rebuilt.document)")
    }

    static func eventID(_ object: [String: Any]) -> Int? { (object["netsift"] as? [String: Any])?["event"] as? Int }

    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// A damaged `fields` value is an error naming the row, never a trap or
    /// a document made up; a row with neither form is refused on insert.
    @Test func damagedFieldsAreAnErrorNamingTheRow() async throws {
        let (errors, refused) = try await TrafficDatabase.with("eventdamage") { conninfo in
            let writer = try TrafficWriter(conninfo: conninfo)
            let captureID = try writer.startCapture(sensor: testSensor, source: "damage")
            _ = try writer.commit(RecordBatch(producer: UUID(), sequence: 1,
                                              events: [Self.awkwardEvents(captureID: captureID)[0]]))
            let connection = writer.connection
            let table = try #require(EventTable.named("dns_events"))
            let selection = EventSelection([table])
            var errors: [String] = []
            for damage in ["fields = '\\x01'", "fields = '\\x02000000000000'", "fields = fields || '\\x00'::bytea",
                           "fields = substring(fields from 1 for length(fields) - 3)", "question_name = NULL",
                           "resolved_ip = NULL", "dns_id = NULL", "fields = set_byte(fields, 1, 200)"] {
                try connection.execute("BEGIN")
                try connection.execute("UPDATE dns_events SET \(damage)")
                let row = try #require(try connection.query("SELECT \(selection.columns(of: table)) FROM dns_events e").row(0))
                do {
                    let (_, document) = try selection.event(row)
                    errors.append("read: \(document)")
                } catch {
                    errors.append("\(error)")
                }
                try connection.execute("ROLLBACK")
            }
            let refused: Bool
            do {
                try connection.execute("UPDATE dns_events SET fields = NULL")
                refused = false
            } catch {
                refused = true
            }
            return (errors, refused)
        }
        #expect(errors.count == 8)
        for error in errors {
            #expect(error.hasPrefix("dns_events event "), "\(error)")
        }
        #expect(refused)
    }
}

/// `StoredEventFields` alone: every cut and mutation of real encodings is
/// an error or another well-formed list, never a trap.
struct StoredEventFieldsTests {
    static func values(_ table: EventTable, _ event: EventRecord) -> [ProtocolField.Value?] {
        table.columns.map { event.fields.values()[field: $0.field] }
    }

    @Test func damagedBytesNeverTrap() throws {
        var rng = SplitMix64(seed: 0x5EED_0014)
        var refused = 0
        var decoded = 0
        for event in EventStorageTests.awkwardEvents(captureID: 1) {
            let table = EventTable(event.dataset)
            let columns = Self.values(table, event)
            let bytes = try StoredEventFields.encode(event.fields, columns: table.columns)
            let read = { (bytes: [UInt8]) throws(EventFieldError) -> [ProtocolField] in
                try StoredEventFields.decode(bytes, columns: table.columns) { (k: Int) throws(EventFieldError) in
                    guard let value = columns[k] else { throw EventFieldError.invalidValue("NULL") }
                    return value
                }
            }
            #expect((try? read(bytes)) == event.fields.values())
            for cut in 0 ..< bytes.count {
                #expect((try? read(Array(bytes.prefix(cut)))) == nil, "cut to \(cut)")
            }
            for _ in 0 ..< 2_000 {
                var damaged = bytes
                for _ in 0 ..< Int.random(in: 1 ... 3, using: &rng) {
                    let at = Int.random(in: 0 ..< damaged.count, using: &rng)
                    switch Int.random(in: 0 ..< 3, using: &rng) {
                    case 0: damaged[at] = UInt8.random(in: 0 ... 255, using: &rng)
                    case 1: damaged.remove(at: at)
                    default: damaged.insert(UInt8.random(in: 0 ... 255, using: &rng), at: at)
                    }
                    if damaged.isEmpty { break }
                }
                if (try? read(damaged)) == nil { refused += 1 } else { decoded += 1 }
            }
        }
        #expect(refused > 0 && decoded > 0)
    }

    /// Fields nest as deep as `records.v1` allows and no deeper.
    @Test func nestingIsBounded() throws {
        var value = ProtocolField.Value.integer(1)
        for _ in 0 ..< EventFieldCodec.nesting { value = .list([value]) }
        let table = EventTable(.icmp)
        let deepest = try StoredEventFields.encode(EncodedFields([ProtocolField("deep", value)]), columns: table.columns)
        // Storage refuses to write the deeper list, so its bytes are made
        // by hand: version 2, no column field, one field "deep" (written
        // out), nesting + 1 lists of one, the integer 1.
        #expect(throws: EventFieldError.self) {
            try StoredEventFields.encode(EncodedFields([ProtocolField("deep", .list([value]))]), columns: table.columns)
        }
        let deeper: [UInt8] = [2, 0, 1, 0, 4] + Array("deep".utf8)
            + Array(repeating: [4, 1], count: EventFieldCodec.nesting + 1).flatMap { $0 } + [1, 2]
        let read = { (bytes: [UInt8]) throws(EventFieldError) -> [ProtocolField] in
            try StoredEventFields.decode(bytes, columns: table.columns) { (_: Int) throws(EventFieldError) in .null }
        }
        #expect((try? read(deepest)) == [ProtocolField("deep", value)])
        #expect(throws: EventFieldError.self) { try read(deeper) }
    }

    /// Rows written before version 2 (`EventFieldCodec`'s encoding behind
    /// a version 1 header) read as they were written.
    @Test func version1RowsStillDecode() throws {
        func uint32(_ value: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(value).littleEndian, Array.init) }
        for event in EventStorageTests.awkwardEvents(captureID: 1) {
            let table = EventTable(event.dataset)
            let bytes: [UInt8] = [1, 0] + uint32(Int(event.fields.count)) + event.fields.bytes
            let read = try StoredEventFields.decode(bytes, columns: table.columns) { (k: Int) throws(EventFieldError) in
                throw EventFieldError.invalidValue("no column holds a field here, yet column \(k) was read")
            }
            #expect(read == event.fields.values(), "event \(event.sequence)")
            #expect(try StoredEventFields.encode(event.fields, columns: table.columns).first == StoredEventFields.version)
        }
        // A field held by a column: its place, then the column, then the fields kept.
        let table = EventTable(.dns)
        let kept = EncodedFields([ProtocolField("note", .string("kept"))])
        let bytes: [UInt8] = [1, 1] + uint32(1) + [2] + uint32(1) + kept.bytes
        let read = try StoredEventFields.decode(bytes, columns: table.columns) { (k: Int) throws(EventFieldError) in
            guard k == 2 else { throw EventFieldError.invalidValue("column \(k)") }
            return .integer(7)
        }
        #expect(read == [ProtocolField("note", .string("kept")), ProtocolField(table.columns[2].field, .integer(7))])
    }

    /// Version 2 keeps a real DNS event in under half the bytes of the
    /// codec's encoding (names by number, varints), and gives it back.
    @Test(.enabled(if: SharedCaptures.available, SharedCaptures.skipMessage))
    func realEventsTakeUnderHalfTheirEncoding() throws {
        let path = try #require(SharedCaptures.captures(in: "dns").first)
        let events = try DecodedCapture.decode(path: path, captureID: 1).batches.flatMap(\.events)
        let table = EventTable(.dns)
        var encoded = 0, stored = 0
        for event in events where event.dataset == .dns {
            let layout = try StoredEventFields.Layout(event.fields, columns: table.columns)
            let bytes = try StoredEventFields.encode(event.fields, layout)
            let values = StoredEventFieldsTests.values(table, event)
            let read = try StoredEventFields.decode(bytes, columns: table.columns) { (k: Int) throws(EventFieldError) in
                guard let value = values[k] else { throw EventFieldError.invalidValue("NULL") }
                return value
            }
            #expect(read == event.fields.values())
            encoded += event.fields.bytes.count
            stored += bytes.count
        }
        #expect(encoded > 0)
        #expect(stored * 2 < encoded, "\(stored) bytes stored for \(encoded) encoded")
    }
}
