import Events
import PropertyBased
import Protocols
import Testing
import TestSupport

@Suite struct HTTPPropertyTests {
    /// Hand-built conversations.
    static let seeds: [(toServer: [UInt8], toClient: [UInt8])] = [
        (Array("GET /a?b HTTP/1.1\r\nHost: h\r\nCookie: a=b\r\nAuthorization: Basic YTpi\r\n\r\n".utf8),
         Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nabcd\r\n0\r\nT: v\r\n\r\n".utf8)),
        (Array("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.0\r\n\r\n".utf8),
         Array("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 43\r\n\r\n".utf8) + Bodies.gzip
            + Array("HTTP/1.0 200 OK\r\n\r\nrest".utf8)),
    ]

    /// Conversations from the shared captures: the tests that use them skip without them.
    static let captured: [(toServer: [UInt8], toClient: [UInt8])] = {
        var out: [([UInt8], [UInt8])] = []
        for file in ["http/ark_http-content-gzip.pcap", "http/ark_http-basicauth.pcap", "http/sv_http-chunked.pcap",
                     "tcp/ark_wireshark-retrans.pcap", "http/ja4_http1-with-cookies.pcapng"] {
            guard let connections = try? TCPStreamCapture.read(SharedCaptures.path(file), isClient: HTTPConformanceTests.isClient) else { continue }
            for c in connections {
                var streams: [Direction: [UInt8]] = [:]
                _ = c.replay { d in if case .data(let b) = d.kind { streams[d.direction, default: []] += Array(b) } }
                out.append((Array((streams[.toServer] ?? []).prefix(8192)), Array((streams[.toClient] ?? []).prefix(8192))))
            }
        }
        return out
    }()

    /// Feeds both directions in alternating chunks, with an optional gap, and checks the bounds.
    static func check(_ toServer: [UInt8], _ toClient: [UInt8], chunk: Int, gapAt: Int?) -> String? {
        var session = HTTPSession()
        var transactions: [HTTPTransaction] = []
        var offsets = [0, 0]
        let streams = [toServer, toClient]
        var step = 0
        while offsets[0] < streams[0].count || offsets[1] < streams[1].count {
            let side = step % 2
            step += 1
            let direction: Direction = side == 0 ? .toServer : .toClient
            let end = min(streams[side].count, offsets[side] + chunk)
            guard offsets[side] < end else { continue }
            if gapAt == step { transactions += session.gap(chunk, direction: direction, time: 0) }
            transactions += Array(streams[side][offsets[side] ..< end]).withUnsafeBytes { session.receive($0, direction: direction, time: Int64(step)) }
            offsets[side] = end
        }
        transactions += session.finish(time: Int64(step + 1))
        // A transaction needs at least a minimal start line ("GET / HTTP/1.1\r\n\r\n" or "HTTP/1.1 200\r\n\r\n").
        let bound = (toServer.count + toClient.count) / 16 + 1
        if transactions.count > bound { return "\(transactions.count) transactions from \(toServer.count + toClient.count) bytes" }
        for t in transactions {
            for field in t.fields {
                if case .string(let s) = field.value, s.utf8.count > 70_000 { return "\(field.name) of \(s.utf8.count) bytes" }
            }
        }
        return nil
    }

    @Test func randomBytes() {
        let prefixes = ["", "GET / HTTP/1.1\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                        "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n"]
        let gen = zip(Gen.int(in: 0..<prefixes.count), Gen.uint8().array(of: 0...300), Gen.uint8().array(of: 0...300),
                      Gen.int(in: 1...64), Gen.int(in: 0...20))
        seededCheck(seed: (41, 42, 43, 44), count: 4000, gen) { prefix, a, b, chunk, gap in
            let p = Array(prefixes[prefix].utf8)
            return Self.check(prefix % 2 == 1 || prefix == 0 ? p + a : a, prefix % 2 == 0 && prefix > 0 ? p + b : b,
                              chunk: chunk, gapAt: gap > 15 ? gap : nil)
        }
    }

    @Test func mutatedBuiltConversations() { Self.mutate(Self.seeds) }

    @Test(.enabled(if: SharedCaptures.available, SharedCaptures.skipMessage)) func mutatedRealConversations() {
        #expect(!Self.captured.isEmpty, "nothing read from the shared captures")
        Self.mutate(Self.seeds + Self.captured)
    }

    static func mutate(_ corpus: [(toServer: [UInt8], toClient: [UInt8])]) {
        let mutation = zip(Gen.int(in: 0...3), Gen.int(in: 0...16383), Gen.uint16()).map { (t: (Int, Int, UInt16)) -> Mutation in
            let (kind, position, value) = t
            return switch kind {
            case 0: Mutation.flip(position: position, bit: Int(value & 7))
            case 1: .truncate(length: position)
            case 2: .overwrite16(position: position, value: [0x0d0a, 0x3a20, 0x3030, 0xffff, value][Int(value % 5)])
            default: .overwrite8(position: position, value: [0x0a, 0x0d, 0x20, 0x3a, 0x3b, 0x30, 0x66, UInt8(value & 0xff)][Int(value % 8)])
            }
        }
        let gen = zip(Gen.int(in: 0..<corpus.count), mutation.array(of: 1...6), Gen.bool(), Gen.int(in: 1...1500), Gen.int(in: 0...30))
        seededCheck(seed: (45, 46, 47, 48), count: 3000, gen) { index, mutations, client, chunk, gap in
            var (toServer, toClient) = corpus[index]
            for m in mutations { if client { m.apply(to: &toServer) } else { m.apply(to: &toClient) } }
            return Self.check(toServer, toClient, chunk: chunk, gapAt: gap > 20 ? gap - 20 : nil)
        }
    }

    /// Every conversation gives the same transactions whole and byte by byte.
    @Test func dripFeedMatchesWholeFeedOnBuiltConversations() { Self.dripFeed(Self.seeds) }

    @Test(.enabled(if: SharedCaptures.available, SharedCaptures.skipMessage)) func dripFeedMatchesWholeFeed() {
        #expect(!Self.captured.isEmpty, "nothing read from the shared captures")
        Self.dripFeed(Self.captured)
    }

    static func dripFeed(_ corpus: [(toServer: [UInt8], toClient: [UInt8])]) {
        for (toServer, toClient) in corpus {
            var whole = HTTPHarness(), drip = HTTPHarness()
            whole.send(.toServer, toServer); whole.send(.toClient, toClient); whole.finish()
            drip.send(.toServer, toServer, chunk: 1); drip.send(.toClient, toClient, chunk: 1); drip.finish()
            #expect(whole.transactions.map(\.untimedRequest) == drip.transactions.map(\.untimedRequest))
            #expect(whole.transactions.map(\.response?.statusCode) == drip.transactions.map(\.response?.statusCode))
            #expect(whole.transactions.map(\.response?.body) == drip.transactions.map(\.response?.body))
        }
    }
}
