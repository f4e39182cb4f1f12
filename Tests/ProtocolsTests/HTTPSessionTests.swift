import Events
import Protocols
import Testing

/// Feeds a session whole or in pieces and collects its transactions.
struct HTTPHarness {
    var session = HTTPSession()
    var transactions: [HTTPTransaction] = []
    var time: Int64 = 0

    init(limits: HTTPLimits = HTTPLimits()) { session = HTTPSession(limits: limits) }

    mutating func send(_ direction: Direction, _ bytes: [UInt8], chunk: Int? = nil) {
        let size = max(1, chunk ?? bytes.count)
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + size)
            time += 1
            let slice = Array(bytes[start ..< end])
            transactions += slice.withUnsafeBytes { session.receive($0, direction: direction, time: time) }
            start = end
        }
    }

    mutating func send(_ direction: Direction, _ text: String, chunk: Int? = nil) { send(direction, Array(text.utf8), chunk: chunk) }
    mutating func gap(_ direction: Direction, _ length: Int) { transactions += session.gap(length, direction: direction, time: time) }
    mutating func finish() { transactions += session.finish(time: time + 1) }
}

extension HTTPTransaction {
    func field(_ name: String) -> ProtocolField.Value? { fields[field: name] }
    func string(_ name: String) -> String? { if case .string(let s)? = field(name) { s } else { nil } }
    func int(_ name: String) -> Int64? { if case .integer(let n)? = field(name) { n } else { nil } }
    /// The request without its time, to compare feeds of different chunking.
    var untimedRequest: HTTPRequest? { request.map { var r = $0; r.time = 0; r.endTime = 0; return r } }
}

enum Bodies {
    static let plain = [UInt8](String(repeating: "hello hello hello hello hello world\n", count: 20).utf8)
    static let gzip: [UInt8] = [31, 139, 8, 0, 0, 0, 0, 0, 2, 3, 203, 72, 205, 201, 201, 87, 200, 192, 65, 150, 231, 23, 229, 164, 112, 101, 140, 170, 25, 85, 51, 68, 212, 0, 0, 21, 138, 51, 106, 208, 2, 0, 0]
    static let zlib: [UInt8] = [120, 156, 203, 72, 205, 201, 201, 87, 200, 192, 65, 150, 231, 23, 229, 164, 112, 225, 146, 29, 85, 51, 170, 102, 176, 169, 1, 0, 133, 20, 8, 72]
    static let rawDeflate: [UInt8] = [203, 72, 205, 201, 201, 87, 200, 192, 65, 150, 231, 23, 229, 164, 112, 225, 146, 29, 85, 51, 170, 102, 176, 169, 1, 0]
}

@Suite struct HTTPSessionTests {
    static let get = "GET /index.html?q=1&r=2 HTTP/1.1\r\nHost: www.example.com:8080\r\nUser-Agent: test/1.0\r\nReferer: http://ref.example/\r\nCookie: a=1; b=2\r\n\r\n"
    static let ok = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\nServer: s\r\n\r\nhello"

    @Test func requestAndResponsePairIntoOneTransaction() throws {
        var h = HTTPHarness()
        h.send(.toServer, Self.get)
        h.send(.toClient, Self.ok)
        #expect(h.transactions.count == 1)
        let t = try #require(h.transactions.first)
        #expect(t.string("http.request.method") == "GET")
        #expect(t.string("url.original") == "/index.html?q=1&r=2")
        #expect(t.string("url.path") == "/index.html")
        #expect(t.string("url.query") == "q=1&r=2")
        #expect(t.string("url.domain") == "www.example.com")
        #expect(t.int("url.port") == 8080)
        #expect(t.string("http.version") == "1.1")
        #expect(t.string("user_agent.original") == "test/1.0")
        #expect(t.string("http.request.referrer") == "http://ref.example/")
        #expect(t.int("http.response.status_code") == 200)
        #expect(t.string("http.response.status_phrase") == "OK")
        #expect(t.string("http.response.mime_type") == "text/html")
        #expect(t.int("http.response.body.bytes") == 5)
        #expect(t.int("http.request.body.bytes") == 0)
        #expect(t.field("netsift.http.request.has_cookie") == .bool(true))
        #expect(t.field("netsift.http.request.cookie_names") == .strings(["a", "b"]))
        #expect(t.request?.headerNames == ["host", "user-agent", "referer", "cookie"])
        #expect(t.notes.isEmpty)
    }

    @Test func byteByByteGivesTheSameTransactions() {
        var whole = HTTPHarness(), drip = HTTPHarness()
        let post = "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n"
        whole.send(.toServer, post); whole.send(.toClient, Self.ok)
        drip.send(.toServer, post, chunk: 1); drip.send(.toClient, Self.ok, chunk: 1)
        #expect(whole.transactions.count == 1)
        #expect(whole.transactions.map(\.untimedRequest) == drip.transactions.map(\.untimedRequest))
        #expect(whole.transactions.map(\.response?.body) == drip.transactions.map(\.response?.body))
        #expect(whole.transactions.first?.request?.body.bytes == 5)
        #expect(whole.transactions.first?.request?.body.wireBytes == Int64("5;ext=1\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n".utf8.count))
    }

    @Test func pipelinedRequestsPairInOrder() {
        var h = HTTPHarness()
        h.send(.toServer, "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\nHEAD /3 HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(h.transactions.isEmpty)
        h.send(.toClient, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        h.send(.toClient, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")   // HEAD: no body follows
        #expect(h.transactions.map { $0.string("url.original") } == ["/1", "/2", "/3"])
        #expect(h.transactions.map { $0.int("http.response.status_code") } == [200, 404, 200])
        #expect(h.transactions.map { $0.int("http.response.body.bytes") } == [2, 0, 0])
    }

    @Test func responsesWithoutBodies() {
        var h = HTTPHarness()
        h.send(.toServer, "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\nPOST /c HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
        h.send(.toClient, "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n")
        h.send(.toClient, "HTTP/1.1 100 Continue\r\n\r\n")
        h.send(.toServer, "abc")
        h.send(.toClient, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
        #expect(h.transactions.map { $0.int("http.response.status_code") } == [304, 204, 201])
        #expect(h.transactions.last?.int("http.request.body.bytes") == 3)
        #expect(h.session.counters.informationalResponses == 1)
    }

    @Test func untilCloseBodyEndsAtFinish() {
        var h = HTTPHarness()
        h.send(.toServer, "GET / HTTP/1.0\r\n\r\n")
        h.send(.toClient, "HTTP/1.0 200 OK\r\n\r\nsome bytes")
        h.send(.toClient, " and more")
        #expect(h.transactions.isEmpty)
        h.finish()
        #expect(h.transactions.count == 1)
        #expect(h.transactions.first?.int("http.response.body.bytes") == 19)
        #expect(h.transactions.first?.response?.anomalies.isEmpty == true)
    }

    @Test func gzipAndDeflateBodiesAreMeasuredDecoded() {
        for (coding, body) in [("gzip", Bodies.gzip), ("deflate", Bodies.zlib), ("deflate", Bodies.rawDeflate)] {
            var h = HTTPHarness()
            h.send(.toServer, "GET / HTTP/1.1\r\n\r\n")
            h.send(.toClient, Array("HTTP/1.1 200 OK\r\nContent-Encoding: \(coding)\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body, chunk: 7)
            #expect(h.transactions.first?.int("http.response.body.bytes") == Int64(body.count))
            #expect(h.transactions.first?.int("netsift.http.response.body.decoded_bytes") == Int64(Bodies.plain.count), "\(coding)")
        }
    }

    @Test func corruptCompressedBodiesAreFlagged() {
        var h = HTTPHarness()
        h.send(.toServer, "GET / HTTP/1.1\r\n\r\n")
        h.send(.toClient, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 6\r\n\r\nnotgz!")
        #expect(h.transactions.first?.response?.anomalies.contains(.decodingFailed) == true)
        #expect(h.transactions.first?.int("netsift.http.response.body.decoded_bytes") == nil)
        var limits = HTTPLimits()
        limits.maxDecodedBytes = 100
        var small = HTTPHarness(limits: limits)
        small.send(.toServer, "GET / HTTP/1.1\r\n\r\n")
        small.send(.toClient, Array("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: \(Bodies.gzip.count)\r\n\r\n".utf8) + Bodies.gzip)
        #expect(small.transactions.first?.response?.anomalies.contains(.decodedLimitExceeded) == true)
    }

    @Test func basicAuthKeepsTheUserNeverThePassword() throws {
        var h = HTTPHarness()
        // "alice:s3cret"
        h.send(.toServer, "GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Basic YWxpY2U6czNjcmV0\r\n\r\n")
        h.finish()
        let t = try #require(h.transactions.first)
        #expect(t.string("url.username") == "alice")
        #expect(t.string("user.name") == "alice")
        #expect(t.field("netsift.http.cleartext_credentials") == .bool(true))
        #expect(t.notes == .unanswered)
        #expect(!"\(t.fields)".contains("s3cret"))
        var bad = HTTPHarness()
        bad.send(.toServer, "GET / HTTP/1.1\r\nAuthorization: Basic !!!\r\n\r\n")
        bad.finish()
        #expect(bad.transactions.first?.request?.anomalies.contains(.invalidAuthorization) == true)
        #expect(bad.transactions.first?.request?.basicUser == nil)
    }

    @Test func aGapInABodyIsSkippedAndCounted() {
        var h = HTTPHarness()
        h.send(.toServer, "GET / HTTP/1.1\r\n\r\n")
        h.send(.toClient, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        h.gap(.toClient, 4)
        h.send(.toClient, "hijHTTP/1.1 200 OK\r\n")
        #expect(h.transactions.count == 1)
        #expect(h.transactions.first?.int("http.response.body.bytes") == 10)
        #expect(h.transactions.first?.response?.anomalies.contains(.gapInBody) == true)
        #expect(h.session.counters.gapsSkipped == 1)
        #expect(!h.session.counters.abandoned)
    }

    @Test func aGapInAChunkIsSkippedButNotInItsFraming() {
        var h = HTTPHarness()
        h.send(.toServer, "GET / HTTP/1.1\r\n\r\n")
        h.send(.toClient, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\nab")
        h.gap(.toClient, 5)
        h.send(.toClient, "hij\r\n0\r\n\r\n")
        #expect(h.transactions.first?.int("http.response.body.bytes") == 10)
        h.send(.toServer, "GET /2 HTTP/1.1\r\n\r\n")
        h.send(.toClient, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        h.gap(.toClient, 3)
        #expect(h.session.counters.abandoned)
        h.finish()
        #expect(h.transactions.last?.notes.contains(.connectionAbandoned) == true)
    }

    @Test func aGapInAHeadReportsWhatCameAndStopsThatDirection() throws {
        var h = HTTPHarness()
        h.send(.toServer, "GET /cut HTTP/1.1\r\nHost: h\r\nUser-Ag")
        h.gap(.toServer, 10)
        h.send(.toServer, "GET /next HTTP/1.1\r\n\r\n")
        #expect(h.session.counters.abandoned)
        #expect(h.session.failure?.kind == .truncated)
        #expect(h.session.counters.ignoredBytes > 0)
        // The response direction is framed on its own and still pairs.
        h.send(.toClient, Self.ok)
        h.finish()
        #expect(h.transactions.count == 1)
        let t = try #require(h.transactions.first)
        #expect(t.string("url.original") == "/cut")
        #expect(t.string("url.domain") == "h")
        #expect(t.request?.anomalies.contains(.truncatedHead) == true)
        #expect(t.int("http.response.status_code") == 200)
        #expect(t.notes.contains(.connectionAbandoned))
    }

    @Test func aGapBeforeAnyHeadBytesJustStops() {
        var h = HTTPHarness()
        h.gap(.toClient, 100)
        h.send(.toClient, Self.ok)
        h.finish()
        #expect(h.transactions.isEmpty)
        #expect(h.session.counters.abandoned)
    }

    @Test func malformedHeadsAndChunksGiveUp() {
        var h = HTTPHarness()
        h.send(.toServer, "NOT HTTP AT ALL\r\n\r\n")
        #expect(h.session.counters.abandoned && h.session.failure?.kind == .malformed)
        var c = HTTPHarness()
        c.send(.toServer, "GET / HTTP/1.1\r\n\r\n")
        c.send(.toClient, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
        #expect(c.session.counters.abandoned)
        c.finish()
        #expect(c.transactions.count == 1)
        #expect(c.transactions.first?.response?.anomalies.contains(.bodyTruncated) == true)
    }

    @Test func responsesWithoutRequestsAndRequestsWithoutResponses() {
        var h = HTTPHarness()
        h.send(.toClient, Self.ok)
        #expect(h.transactions.first?.notes == .noRequest)
        h.send(.toServer, Self.get)
        h.finish()
        #expect(h.transactions.last?.notes == .unanswered)
    }

    @Test func pipeliningIsBounded() {
        var limits = HTTPLimits()
        limits.maxPendingRequests = 2
        var h = HTTPHarness(limits: limits)
        h.send(.toServer, String(repeating: "GET / HTTP/1.1\r\n\r\n", count: 5))
        #expect(h.session.counters.droppedRequests == 3)
        #expect(h.transactions.count == 3)
        h.finish()
        #expect(h.transactions.count == 5)
    }

    @Test func connectAndUpgradeStopParsing() {
        var h = HTTPHarness()
        h.send(.toServer, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
        h.send(.toClient, "HTTP/1.1 200 Connection established\r\n\r\n\u{16}\u{03}\u{01}binary")
        h.send(.toServer, "\u{16}\u{03}\u{01}more binary")
        #expect(h.transactions.count == 1)
        #expect(h.transactions.first?.notes == .tunnel)
        #expect(h.transactions.first?.string("url.domain") == "example.com")
        #expect(!h.session.counters.abandoned)
        var u = HTTPHarness()
        u.send(.toServer, "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n")
        u.send(.toClient, "HTTP/1.1 101 Switching Protocols\r\n\r\n\u{81}\u{05}hello")
        #expect(u.transactions.first?.int("http.response.status_code") == 101)
    }

    @Test func framingFaultsAreFlagged() {
        var h = HTTPHarness()
        h.send(.toServer, "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n")
        h.send(.toServer, "POST / HTTP/1.1\r\nContent-Length: 2, 2\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1\r\na\r\n0\r\n\r\n")
        h.finish()
        #expect(h.transactions.count == 2)
        #expect(h.transactions[0].request?.anomalies.contains(.conflictingContentLength) == true)
        #expect(h.transactions[1].request?.anomalies.contains(.transferEncodingWithContentLength) == true)
        #expect(h.transactions[1].request?.body.bytes == 1)
    }

    @Test func absoluteFormAndIPv6Hosts() {
        var h = HTTPHarness()
        h.send(.toServer, "GET http://proxy.example:3128/p?x HTTP/1.1\r\nHost: other\r\n\r\nGET / HTTP/1.1\r\nHost: [::1]:8000\r\n\r\n")
        h.finish()
        #expect(h.transactions.first?.string("url.domain") == "proxy.example")
        #expect(h.transactions.first?.string("url.scheme") == "http")
        #expect(h.transactions.first?.string("url.path") == "/p")
        #expect(h.transactions.last?.string("url.domain") == "[::1]")
        #expect(h.transactions.last?.int("url.port") == 8000)
    }
}
