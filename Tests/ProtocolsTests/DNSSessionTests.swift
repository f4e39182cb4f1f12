import Events
import Testing
@testable import Protocols

@Suite struct DNSSessionTests {
    static let second: Int64 = 1_000_000_000

    @Test func udpQueryAndResponseMakeOneTransaction() {
        var session = DNSModule.makeSession(transport: .udp)
        #expect(session.feed(DNSBuild.query(), .toServer, at: 1 * Self.second).isEmpty)
        let out = session.feed(DNSBuild.response(), .toClient, at: 2 * Self.second)
        #expect(out.count == 1)
        let t = out[0]
        #expect(t.status == .complete && t.id == 0x1234 && t.requestTime == Self.second && t.responseTime == 2 * Self.second)
        let f = t.fields
        #expect(f[field: "dns.question.name"] == .string("www.example.com"))
        #expect(f[field: "dns.response_code"] == .string("NOERROR"))
        #expect(f[field: "dns.resolved_ip"] == .strings(["192.0.2.1"]))
        #expect(f[field: "dns.header_flags"] == .strings(["RD", "RA"]))
        #expect(f[field: "event.duration"] == .integer(Self.second))
        #expect(f[field: "status"] == .string("OK"))
        #expect(session.finish(time: 3 * Self.second).isEmpty)
    }

    @Test func responseToAnotherQuestionIsUnsolicited() {
        var session = DNSModule.makeSession(transport: .udp)
        _ = session.feed(DNSBuild.query(), .toServer, at: 0)
        let out = session.feed(DNSBuild.response(id: 0x1234, "other.example.com"), .toClient, at: 1)
        #expect(out.map(\.status) == [.unsolicited])
        #expect(session.finish(time: 2).map(\.status) == [.unanswered])
    }

    @Test func unansweredQueryExpiresAfterTheTimeout() {
        var session = DNSModule.makeSession(transport: .udp)
        _ = session.feed(DNSBuild.query(id: 1), .toServer, at: 0)
        #expect(session.feed(DNSBuild.query(id: 2), .toServer, at: 10 * Self.second).isEmpty)
        let out = session.feed(DNSBuild.query(id: 3), .toServer, at: 10 * Self.second + 1)
        #expect(out.map(\.status) == [.unanswered] && out.first?.id == 1)
        #expect(out.first?.fields[field: "error.message"] == .string("no response to this query"))
    }

    @Test func retransmittedQueryPairsWithTheFirst() {
        var session = DNSModule.makeSession(transport: .udp)
        _ = session.feed(DNSBuild.query(), .toServer, at: 0)
        _ = session.feed(DNSBuild.query(), .toServer, at: 5)
        let out = session.feed(DNSBuild.response(), .toClient, at: 7)
        #expect(out.count == 1 && out[0].requestTime == 0)
        #expect(session.finish(time: 8).map(\.requestTime) == [5])
    }

    @Test func tcpMessagesSplitByteByByte() {
        var session = DNSModule.makeSession(transport: .tcp)
        var out: [DNSTransaction] = []
        for byte in DNSBuild.tcp(DNSBuild.query()) { out += session.feed([byte], .toServer, at: 1) }
        for byte in DNSBuild.tcp(DNSBuild.response()) { out += session.feed([byte], .toClient, at: 2) }
        #expect(out.count == 1 && out[0].status == .complete && out[0].transport == .tcp)
    }

    @Test func severalTCPMessagesInOneSegment() {
        var session = DNSModule.makeSession(transport: .tcp)
        let queries = DNSBuild.tcp(DNSBuild.query(id: 1)) + DNSBuild.tcp(DNSBuild.query(id: 2)) + DNSBuild.tcp(DNSBuild.query(id: 3))
        _ = session.feed(queries, .toServer, at: 1)
        let responses = DNSBuild.tcp(DNSBuild.response(id: 2)) + DNSBuild.tcp(DNSBuild.response(id: 1))
        let out = session.feed(Array(responses.prefix(30)), .toClient, at: 2) + session.feed(Array(responses.dropFirst(30)), .toClient, at: 3)
        #expect(out.map(\.id) == [2, 1])
        #expect(session.finish(time: 4).map(\.id) == [3])
    }

    @Test func tcpMessageCutByTheEndIsFlaggedTruncated() {
        var session = DNSModule.makeSession(transport: .tcp)
        _ = session.feed(Array(DNSBuild.tcp(DNSBuild.query()).prefix(20)), .toServer, at: 1)
        let out = session.finish(time: 2)
        #expect(out.count == 1 && out[0].firstError?.kind == .truncated)
    }

    @Test func gapThenResynchronisesOnTheNextMessage() {
        var session = DNSModule.makeSession(transport: .tcp)
        _ = session.feed(Array(DNSBuild.tcp(DNSBuild.query(id: 1)).prefix(10)), .toServer, at: 1)
        _ = session.gap(100, direction: .toServer, time: 1)
        _ = session.feed([1, 2, 3, 4, 5], .toServer, at: 2)
        _ = session.feed(DNSBuild.tcp(DNSBuild.query(id: 2)), .toServer, at: 3)
        let out = session.feed(DNSBuild.tcp(DNSBuild.response(id: 2)), .toClient, at: 4)
        #expect(out.map(\.status) == [.complete] && session.skippedBytes == 15)
    }

    @Test func datagramTooShortIsMalformed() {
        var session = DNSModule.makeSession(transport: .udp)
        let out = session.feed([1, 2, 3], .toServer, at: 1)
        #expect(out.map(\.status) == [.malformed] && out[0].fields[field: "error.type"] == .string("truncated"))
    }

    @Test func transportIsGuessedWhenNotGiven() {
        var udp = DNSSession(transport: nil)
        _ = udp.feed(DNSBuild.query(), .toServer, at: 0)
        #expect(udp.transport == .udp)
        var tcp = DNSSession(transport: nil)
        _ = tcp.feed(DNSBuild.tcp(DNSBuild.query()), .toServer, at: 0)
        #expect(tcp.transport == .tcp)
    }

    @Test func sniffRecognisesBothFramings() {
        let q = DNSBuild.query(), t = DNSBuild.tcp(DNSBuild.query())
        #expect(q.withUnsafeBytes { DNSModule.sniff($0, direction: .toServer) })
        #expect(t.withUnsafeBytes { DNSModule.sniff($0, direction: .toServer) })
        #expect(!Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8).withUnsafeBytes { DNSModule.sniff($0, direction: .toServer) })
    }
}
