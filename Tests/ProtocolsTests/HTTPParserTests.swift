import Events
import Protocols
import Testing

func parseHead(_ text: String, limits: HTTPLimits = HTTPLimits()) throws(ParseError) -> HTTPHead? {
    let result = Array(text.utf8).withUnsafeBytes { bytes in
        Result { () throws(ParseError) -> HTTPHead? in try HTTPHeadParser.parse(bytes, limits: limits) }
    }
    return try result.get()
}

func parsePartialHead(_ text: String) -> HTTPHead? {
    Array(text.utf8).withUnsafeBytes { try? HTTPHeadParser.parse($0, partial: true) }
}

func headError(_ text: String, limits: HTTPLimits = HTTPLimits()) -> ParseError.Kind? {
    do { _ = try parseHead(text, limits: limits); return nil } catch { return error.kind }
}

@Suite struct HTTPParserTests {
    @Test func requestLineAndFields() throws {
        let text = "GET /a?b=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent:  curl/8 \r\n\r\nBODY"
        let head = try #require(try parseHead(text))
        let bytes = Array(text.utf8)
        func s(_ r: Range<Int>) -> String { String(decoding: bytes[r], as: UTF8.self) }
        guard case .request(let method, let target) = head.startLine else { Issue.record("not a request"); return }
        #expect(s(method) == "GET" && s(target) == "/a?b=1")
        #expect(head.versionMajor == 1 && head.versionMinor == 1)
        #expect(head.fields.map { s($0.name) } == ["Host", "User-Agent"])
        #expect(head.fields.map { s($0.value) } == ["example.com", "curl/8"])
        #expect(head.length == text.utf8.count - 4)
        #expect(head.anomalies.isEmpty)
    }

    @Test func statusLineWithAndWithoutReason() throws {
        let head = try #require(try parseHead("HTTP/1.0 404 Not Found\r\n\r\n"))
        guard case .response(let status, _) = head.startLine else { Issue.record("not a response"); return }
        #expect(status == 404 && head.versionMinor == 0)
        let bare = try #require(try parseHead("HTTP/1.1 204\r\n\r\n"))
        guard case .response(204, let reason) = bare.startLine else { Issue.record("status"); return }
        #expect(reason.isEmpty)
    }

    @Test func incompleteHeadsReturnNil() throws {
        #expect(try parseHead("GET / HTTP/1.1\r\nHost: x\r\n") == nil)
        #expect(try parseHead("GET / HTT") == nil)
        #expect(try parseHead("") == nil)
    }

    @Test func obsFoldIsJoinedAndFlagged() throws {
        let text = "GET / HTTP/1.1\r\nX-Long: one\r\n  two\r\nHost: h\r\n\r\n"
        let head = try #require(try parseHead(text))
        #expect(head.anomalies.contains(.obsoleteLineFolding))
        #expect(head.fields.count == 2)
        let value = String(decoding: Array(text.utf8)[head.fields[0].value], as: UTF8.self)
        #expect(value.hasPrefix("one") && value.hasSuffix("two"))
    }

    @Test func oddLinesAreFlaggedNotFatal() throws {
        let head = try #require(try parseHead("\r\nGET / HTTP/1.1\nNoColonHere\r\nName : v\r\n\n"))
        #expect(head.anomalies.contains(.bareLineFeed))
        #expect(head.anomalies.contains(.invalidHeaderLine))
        #expect(head.anomalies.contains(.spaceBeforeColon))
        #expect(head.anomalies.contains(.leadingEmptyLines))
        #expect(head.fields.count == 1)
    }

    @Test func partialHeadsEndWhereTheBytesEnd() throws {
        let cutField = try #require(parsePartialHead("GET /a HTTP/1.1\r\nHost: h\r\nUser-Ag"))
        #expect(cutField.anomalies.contains(.truncatedHead))
        #expect(cutField.fields.count == 1)
        let cutVersion = try #require(parsePartialHead("GET /images/sf.net_box.gif HTT"))
        guard case .request(_, let target) = cutVersion.startLine else { Issue.record("not a request"); return }
        #expect(target.count == "/images/sf.net_box.gif".utf8.count)
        #expect(cutVersion.versionMajor == -1)
        #expect(parsePartialHead("GET /x NOTHTTP") == nil)
        #expect(parsePartialHead("") == nil)
        #expect(try parseHead("GET /a HTTP/1.1\r\nHost: h") == nil)   // not partial: just incomplete
    }

    @Test func malformedStartLinesThrow() {
        #expect(headError("HELLO\r\n\r\n") == .malformed)
        #expect(headError("GET /\r\n\r\n") == .malformed)           // HTTP/0.9 is not parsed
        #expect(headError("HTTP/1.1 20 OK\r\n\r\n") == .malformed)
        #expect(headError("G(T / HTTP/1.1\r\n\r\n") == .malformed)
        #expect(headError("\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n") == .malformed)
    }

    @Test func limitsAreEnforced() {
        var limits = HTTPLimits()
        limits.maxLineLength = 32
        #expect(headError("GET /" + String(repeating: "a", count: 40) + " HTTP/1.1\r\n\r\n", limits: limits) == .limitExceeded)
        #expect(headError("GET /" + String(repeating: "a", count: 40), limits: limits) == .limitExceeded)
        limits = HTTPLimits()
        limits.maxHeaderCount = 3
        #expect(headError("GET / HTTP/1.1\r\n" + String(repeating: "A: b\r\n", count: 4) + "\r\n", limits: limits) == .limitExceeded)
        limits = HTTPLimits()
        limits.maxHeadBytes = 100
        #expect(headError("GET / HTTP/1.1\r\n" + String(repeating: "Abc: def\r\n", count: 20), limits: limits) == .limitExceeded)
        #expect(headError("GET / HTTP/1.1\r\n" + String(repeating: "Abc: def\r\n", count: 20) + "\r\n", limits: limits) == .limitExceeded)
    }

    @Test func sniffRecognisesRequestAndStatusLines() {
        func sniff(_ s: String, _ d: Direction = .toServer) -> Bool {
            Array(s.utf8).withUnsafeBytes { HTTPModule.sniff($0, direction: d) }
        }
        #expect(sniff("GET / HTTP/1.1\r\n"))
        #expect(sniff("PROPFIND /x HTTP/1.1\r\n"))
        #expect(sniff("HTTP/1.1 200 OK\r\n", .toClient))
        #expect(!sniff("HTTP/1.1 200 OK\r\n", .toServer))
        #expect(!sniff("GETX / HTTP/1.1"))
        #expect(!sniff("GET  /"))
        #expect(!sniff("\u{16}\u{03}\u{01}"))
        #expect(!sniff(""))
        #expect(HTTPModule.descriptor.dataset == .http)
        #expect(HTTPModule.defaultPorts.contains(80) && HTTPModule.defaultPorts.contains(8080))
    }
}
