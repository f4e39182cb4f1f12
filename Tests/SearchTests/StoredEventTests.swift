import Database
import Events
import Foundation
import Logging
import PostgresClient
import Records
@testable import Search
import TestSupport
import Testing
import Wire

/// Event documents as search answers them, against a real server: rows
/// stored since migration 15 rebuilt from their columns and `fields`,
/// rows from before it read from `doc`, side by side in one listing, a
/// search and a background search's results.
@Suite(.enabled(if: PostgresTestServer.binariesInstalled, PostgresTestServer.skipMessage),
       .postgresServer("stored-events"))
struct StoredEventTests {
    static let flowKey: UInt64 = 77
    static let sensor = SensorIdentity(id: UUID(uuidString: "5E550000-0000-4000-8000-000000000016") ?? UUID(), name: "events")

    static func event(_ capture: UInt64, _ dataset: Dataset, _ sequence: UInt32, _ fields: [ProtocolField]) -> EventRecord {
        EventRecord(captureID: capture, sequence: sequence, dataset: dataset, flowKey: flowKey, communityID: "1:events=",
                    time: HuntTests.day + Int64(sequence), frames: [UInt64(sequence)], fields: fields)
    }

    /// Events stored by the writer (`fields`), then two as rows from before migration 15 (`doc`).
    static func events(_ capture: UInt64) -> (new: [EventRecord], old: [EventRecord]) {
        let new = [
            event(capture, .dns, 1, [ProtocolField("dns.question.name", .string("a.example")),
                                     ProtocolField("dns.resolved_ip", .strings(["10.0.0.1"]))]),
            event(capture, .dns, 2, [ProtocolField("dns.question.name", .string("b.test"))]),
            event(capture, .dns, 3, [ProtocolField("dns.question.name", .string("nul\0.example")),
                                     ProtocolField("dns.answers", .list([.object([ProtocolField("ttl", .integer(60))])]))]),
            event(capture, .http, 4, [ProtocolField("http.response.status_code", .integer(200)),
                                      ProtocolField("url.original", .string("/"))]),
            event(capture, .icmp, 5, [ProtocolField("icmp.version", .integer(4))]),
        ]
        let old = [
            event(capture, .dns, 6, [ProtocolField("dns.question.name", .string("old.example"))]),
            event(capture, .tls, 7, [ProtocolField("tls.version", .string("1.2"))]),
        ]
        return (new, old)
    }

    /// Rows the way migration 6's writer stored them: the document as jsonb, text columns beside it.
    static func storeOld(_ event: EventRecord, on connection: PostgresConnection) throws {
        let table = EventTable(event.dataset)
        var columns: [String] = []
        var values: [(any PostgresParameter)?] = [Int64(event.captureID), Int64(event.flowKey), event.time,
                                                  Int32(event.sequence), event.communityID,
                                                  "{" + event.frames.map(String.init).joined(separator: ",") + "}",
                                                  String(decoding: EventDocument.bytes(event), as: UTF8.self)]
        for column in table.columns where column.kind == .text {
            guard case .string(let text)? = event.fields.values()[field: column.field] else { continue }
            columns.append(", " + column.name)
            values.append(text)
        }
        let placeholders = (8 ..< 8 + columns.count).map { ", $\($0)" }.joined()
        try connection.query("""
            INSERT INTO \(table.name) (capture_id, flow_key, ts_ns, sequence, batch_id, community_id, frames, doc\(columns.joined()))
            VALUES ($1, $2, $3, $4, 1, $5, $6, $7::jsonb\(placeholders))
            """, values)
    }

    struct Answers: Sendable {
        var capture: UInt64
        var listed: [QueryMessage.StoredEvent]
        var dns: [QueryMessage.StoredEvent]
        var flow: [QueryMessage.StoredEvent]
        var searched: [QueryMessage.StoredEvent]
        var background: [QueryMessage.StoredEvent]
    }

    static func answers(_ conninfo: String) throws -> Answers {
        let writer = try TrafficWriter(conninfo: conninfo)
        let capture = try writer.startCapture(sensor: sensor, source: "stored-events")
        let (new, old) = events(capture)
        _ = try writer.commit(RecordBatch(producer: UUID(), sequence: 1, events: new))
        var partitions = PartitionManager()
        try partitions.ensure(.events(.tls), coveringTimes: [HuntTests.day], on: writer.connection)
        try partitions.ensure(.flows, coveringTimes: [HuntTests.day], on: writer.connection)
        for event in old { try storeOld(event, on: writer.connection) }
        let flow = try #require(try writer.connection.query("""
            INSERT INTO flows (flow_key, start_ns, capture_id, end_ns, first_frame, src_packets, src_bytes, src_wire_bytes,
                               dst_packets, dst_bytes, dst_wire_bytes, batch_id, src_port, dst_port, src_tcp_flags,
                               dst_tcp_flags, protocol, final, reason, community_id, src, dst)
            VALUES ($1, $2, $3, $4, 1, 1, 60, 60, 0, 0, 0, 1, 40000, 53, 0, 0, 17, true, 'end', '1:events=', '10.0.0.1', '10.0.0.2')
            RETURNING id
            """, [Int64(flowKey), HuntTests.day, Int64(capture), HuntTests.day + 100]).row(0)?.int64(0))

        let engine = try SearchEngine(conninfo: conninfo, pcapRoot: "/nonexistent")
        func list(_ scope: QueryMessage.TrafficScope, dataset: String?) throws -> [QueryMessage.StoredEvent] {
            var all: [QueryMessage.StoredEvent] = []
            while true {
                let answer = try engine.answer(.events(.list(scope, dataset: dataset, after: all.last?.id ?? 0, limit: 2)))
                guard case .events(.events(let page?)) = answer, !page.isEmpty else { return all }
                all += page
            }
        }
        let request = QueryMessage.SearchRequest(query: #"dns.question.name endswith ".example""#, target: .events,
                                                 limit: 100, dataset: "dns")
        guard case .search(.page(let page)) = try engine.answer(.search(.run(request))),
              case .searches(.meta(let meta?)) = try engine.answer(.searches(.start(request))) else {
            throw Unanswered()
        }
        let runner = SearchRunner(conninfo: conninfo, pcapRoot: "/nonexistent", timeoutSeconds: 30, logger: Logger(label: "test"))
        guard try runner.runOne(writer.connection) else { throw Unanswered() }
        guard case .searches(.results(let results?)) = try engine.answer(.searches(.listResults(id: meta.id, after: 0,
                                                                                                   limit: 100))) else {
            throw Unanswered()
        }
        return Answers(capture: capture, listed: try list(.capture(capture), dataset: nil),
                       dns: try list(.capture(capture), dataset: "dns"), flow: try list(.flow(UInt64(flow)), dataset: nil),
                       searched: page.events, background: results.page.events)
    }

    struct Unanswered: Error {}

    static func object(_ document: String) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any]
    }

    /// The sequence of the event a document is (`events` gives each its sequence as its frame).
    static func sequence(_ event: QueryMessage.StoredEvent) -> Int? {
        ((object(event.document)?["netsift"] as? [String: Any])?["frames"] as? [Any])?.first as? Int
    }

    @Test func bothFormsReadAsDocumentsInEveryAnswer() async throws {
        let answers = try await TrafficDatabase.with("storedevents") { try Self.answers($0) }
        let (new, old) = Self.events(answers.capture)
        let ids = answers.listed.map(\.id)
        #expect(ids.count == new.count + old.count && ids == ids.sorted(), "\(ids)")
        for stored in answers.listed {
            let netsift = Self.object(stored.document)?["netsift"] as? [String: Any]
            #expect(netsift?["event"] as? Int == Int(stored.id), "\(stored.document)")
            let sequence = try #require(Self.sequence(stored))
            if let event = new.first(where: { $0.sequence == sequence }) {
                var clean = event
                clean.fields = EncodedFields(clean.fields.values().map { field in
                    guard case .string(let s) = field.value else { return field }
                    return ProtocolField(field.name, .string(s.replacingOccurrences(of: "\0", with: "\u{FFFD}")))
                })
                // Rebuilt: the writer's document byte for byte, with the id.
                #expect(stored.document == String(decoding: EventDocument.bytes(clean, storedID: Int64(stored.id)),
                                                  as: UTF8.self))
            } else {
                let event = try #require(old.first { $0.sequence == sequence })
                // Read as before: jsonb's text, the id set in it.
                #expect(stored.document.hasPrefix("{\""), "\(stored.document)")
                let expected = try #require(Self.object(String(decoding: EventDocument.bytes(event, storedID: Int64(stored.id)),
                                                                as: UTF8.self)))
                #expect(NSDictionary(dictionary: try #require(Self.object(stored.document))).isEqual(to: expected))
            }
        }
        #expect(answers.dns.map { Self.sequence($0) } == [1, 2, 3, 6])
        #expect(answers.flow.map(\.id) == ids)
        #expect(answers.searched.map { Self.sequence($0) } == [1, 3, 6])
        #expect(answers.background == answers.searched)
        #expect(Set(answers.searched).isSubset(of: Set(answers.listed)))
    }

    /// A row whose `fields` cannot be read fails the answer with an error
    /// naming it; the engine stays usable.
    @Test func anUnreadableRowIsAnErrorNamingIt() async throws {
        let (failure, after) = try await TrafficDatabase.with("damagedevent") { conninfo in
            let writer = try TrafficWriter(conninfo: conninfo)
            let capture = try writer.startCapture(sensor: Self.sensor, source: "damaged")
            _ = try writer.commit(RecordBatch(producer: UUID(), sequence: 1, events: Self.events(capture).new))
            let damaged = try #require(try writer.connection.query(
                "UPDATE dns_events SET fields = '\\x01' WHERE sequence = 2 RETURNING id").row(0)?.int64(0))
            let engine = try SearchEngine(conninfo: conninfo, pcapRoot: "/nonexistent")
            let failure: String
            do {
                _ = try engine.answer(.events(.list(.capture(capture), dataset: nil, after: 0, limit: 100)))
                failure = "answered"
            } catch {
                failure = "\(error)"
            }
            guard case .events(.events(let page?)) = try engine.answer(.events(.list(.capture(capture), dataset: nil,
                                                                                       after: UInt64(damaged), limit: 100)))
            else { throw Unanswered() }
            return (failure.replacingOccurrences(of: "\(damaged)", with: "<id>"), page.count)
        }
        #expect(failure == "dns_events event <id>: truncated: column count", "\(failure)")
        #expect(after == 3)
    }
}
