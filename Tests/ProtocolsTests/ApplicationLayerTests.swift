import Events
import Dissection
import Testing
import TestSupport
@testable import Protocols

/// The application layer engine driven with hand-built frames: no flow
/// table, so each test names its flows and their initiators itself.
@Suite("Application layer engine")
struct ApplicationLayerTests {
    static let client = "192.0.2.1", server = "198.51.100.2"

    /// Feeds frames to one engine, numbering them and stepping time by 1 ms.
    struct Feeder {
        var layer: ApplicationLayer
        var frame: UInt64 = 0
        var out: [ApplicationTransaction] = []

        init(_ config: ApplicationConfig = ApplicationConfig()) { layer = ApplicationLayer(config: config) }

        mutating func send(_ bytes: [UInt8], flow: UInt64, fromInitiator: Bool) {
            frame += 1
            let number = frame
            let produced = bytes.withUnsafeBytes { raw in
                let packet = Dissector().dissect(raw, linkType: .ethernet, wireLength: raw.count)
                return layer.receive(frame: number, time: Int64(number) * 1_000_000, packet: packet, bytes: raw,
                                     flow: flow, communityID: "1:test\(flow)", fromInitiator: fromInitiator)
            }
            out += produced
        }

        mutating func tcp(_ flow: UInt64, fromInitiator: Bool, sport: UInt16, dport: UInt16, seq: UInt32,
                          flags: UInt16 = 0x18, _ payload: String = "") {
            let src = fromInitiator ? client : server, dst = fromInitiator ? server : client
            send(Build.ethernet(type: 0x0800) + Build.ipv4(src: src, dst: dst, proto: 6, payload:
                Build.tcp(sport: sport, dport: dport, seq: seq, ack: 1, flags: flags, payload: Array(payload.utf8))),
                 flow: flow, fromInitiator: fromInitiator)
        }

        mutating func udp(_ flow: UInt64, fromInitiator: Bool, sport: UInt16, dport: UInt16, _ payload: [UInt8]) {
            let src = fromInitiator ? client : server, dst = fromInitiator ? server : client
            send(Build.ethernet(type: 0x0800) + Build.ipv4(src: src, dst: dst, proto: 17, payload:
                Build.udp(sport: sport, dport: dport, payload: payload)), flow: flow, fromInitiator: fromInitiator)
        }

        /// A whole HTTP exchange on `port`, the request's two halves sent in reverse order.
        mutating func httpExchange(_ flow: UInt64, port: UInt16, outOfOrder: Bool = true) {
            let request = "GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n"
            let response = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
            let split = request.utf8.count / 2
            let first = String(request.prefix(split)), second = String(request.dropFirst(split))
            tcp(flow, fromInitiator: true, sport: 40000, dport: port, seq: 100, flags: 0x02)
            tcp(flow, fromInitiator: false, sport: port, dport: 40000, seq: 900, flags: 0x12)
            if outOfOrder {
                tcp(flow, fromInitiator: true, sport: 40000, dport: port, seq: 101 + UInt32(split), second)
                tcp(flow, fromInitiator: true, sport: 40000, dport: port, seq: 101, first)
            } else {
                tcp(flow, fromInitiator: true, sport: 40000, dport: port, seq: 101, request)
            }
            tcp(flow, fromInitiator: false, sport: port, dport: 40000, seq: 901, response)
            tcp(flow, fromInitiator: true, sport: 40000, dport: port, seq: 101 + UInt32(request.utf8.count), flags: 0x11)
            tcp(flow, fromInitiator: false, sport: port, dport: 40000, seq: 901 + UInt32(response.utf8.count), flags: 0x11)
        }

        var http: [HTTPTransaction] { out.compactMap { $0.as(HTTPTransaction.self) } }
        var dns: [DNSTransaction] { out.compactMap { $0.as(DNSTransaction.self) } }
    }

    @Test("TCP on port 80: segments out of order are reassembled into one HTTP transaction")
    func httpByPortOutOfOrder() throws {
        var feeder = Feeder()
        feeder.httpExchange(7, port: 80)
        let t = try #require(feeder.http.first)
        #expect(feeder.http.count == 1)
        #expect(t.request?.method == "GET" && t.request?.target == "/index.html" && t.request?.host == "example.com")
        #expect(t.response?.statusCode == 200)
        let context = feeder.out[0].context
        #expect(context.flow == 7 && context.communityID == "1:test7")
        #expect(context.frames.first == 3 || context.frames.first == 4)
        #expect(context.frames.last == 5)
        #expect(feeder.out[0].dataset == .http)
        #expect(feeder.out[0].fields[field: "url.original"] == .string("/index.html"))
        #expect(feeder.layer.counters.byPort == 1)
        #expect(feeder.layer.finishAll().isEmpty)
    }

    @Test("A flow on no known port is claimed by sniffing its first payload")
    func httpBySniffing() throws {
        var feeder = Feeder()
        feeder.httpExchange(8, port: 12345, outOfOrder: false)
        #expect(feeder.http.count == 1)
        #expect(feeder.http.first?.response?.statusCode == 200)
        #expect(feeder.layer.counters.bySniffing == 1 && feeder.layer.counters.byPort == 0)
    }

    @Test("Payload no module knows leaves the flow unclaimed, with no transactions")
    func unclaimed() {
        var feeder = Feeder()
        feeder.tcp(9, fromInitiator: true, sport: 40000, dport: 4444, seq: 1, flags: 0x02)
        feeder.tcp(9, fromInitiator: true, sport: 40000, dport: 4444, seq: 2, "SSH-2.0-OpenSSH_9.2\r\n")
        feeder.tcp(9, fromInitiator: false, sport: 4444, dport: 40000, seq: 50, "SSH-2.0-dropbear\r\n")
        feeder.tcp(9, fromInitiator: true, sport: 40000, dport: 4444, seq: 23, "GET / HTTP/1.1\r\n\r\n")
        #expect(feeder.out.isEmpty)
        #expect(feeder.layer.counters.unclaimed == 1)
        #expect(feeder.layer.finishAll().isEmpty)
    }

    @Test("A server port on either side: a flow first seen from the server is still DNS, client and server right")
    func serverPortOnEitherSide() throws {
        var feeder = Feeder()
        // The capture starts with the response: the flow's initiator is the server.
        feeder.udp(3, fromInitiator: true, sport: 53, dport: 5353, DNSBuild.response(id: 1))
        feeder.udp(3, fromInitiator: false, sport: 5353, dport: 53, DNSBuild.query(id: 2))
        feeder.udp(3, fromInitiator: true, sport: 53, dport: 5353, DNSBuild.response(id: 2))
        #expect(feeder.dns.count == 2)
        #expect(feeder.dns.map(\.status) == [.unsolicited, .complete])
        #expect(feeder.dns.last?.question?.name == "www.example.com")
    }

    @Test("UDP DNS: query and response pair; an unanswered query comes out at the end")
    func udpDNS() throws {
        var feeder = Feeder()
        feeder.udp(1, fromInitiator: true, sport: 5353, dport: 53, DNSBuild.query(id: 0x10))
        feeder.udp(1, fromInitiator: false, sport: 53, dport: 5353, DNSBuild.response(id: 0x10))
        feeder.udp(1, fromInitiator: true, sport: 5353, dport: 53, DNSBuild.query(id: 0x11, "unanswered.example"))
        #expect(feeder.dns.count == 1)
        #expect(feeder.out.first?.context.frames == [1, 2])
        #expect(feeder.dns.first?.resolvedIPs == ["192.0.2.1"])
        let rest = feeder.layer.finish(flow: 1)
        #expect(rest.count == 1)
        if let t = rest.first?.as(DNSTransaction.self) { #expect(t.status == .unanswered && t.question?.name == "unanswered.example") }
        #expect(feeder.layer.flowCount == 0)
    }

    @Test("DNS on another port is found by sniffing; a disabled module is not run")
    func sniffedDNSAndDisabled() {
        var feeder = Feeder()
        feeder.udp(1, fromInitiator: true, sport: 40001, dport: 5300, DNSBuild.query(id: 5))
        feeder.udp(1, fromInitiator: false, sport: 5300, dport: 40001, DNSBuild.response(id: 5))
        #expect(feeder.dns.count == 1)

        var config = ApplicationConfig()
        config[.dns].enabled = false
        config[.http].ports = [8081]
        var off = Feeder(config)
        off.udp(1, fromInitiator: true, sport: 5353, dport: 53, DNSBuild.query(id: 5))
        off.udp(1, fromInitiator: false, sport: 53, dport: 5353, DNSBuild.response(id: 5))
        off.httpExchange(2, port: 8081)
        #expect(off.dns.isEmpty && off.layer.finishAll().isEmpty)
        #expect(off.http.count == 1 && off.layer.counters.byPort == 1)
    }

    @Test("ICMP echo: request and reply paired per flow with its frames")
    func icmpEcho() throws {
        var feeder = Feeder()
        let eth = Build.ethernet(type: 0x0800)
        feeder.send(eth + Build.ipv4(src: Self.client, dst: Self.server, proto: 1, payload: Build.echo(type: 8, id: 7, seq: 1)),
                    flow: 4, fromInitiator: true)
        feeder.send(eth + Build.ipv4(src: Self.server, dst: Self.client, proto: 1, payload: Build.echo(type: 0, id: 7, seq: 1)),
                    flow: 4, fromInitiator: false)
        guard let first = feeder.out.first, let t = first.as(ICMPTransaction.self) else { Issue.record("no ICMP transaction"); return }
        let context = first.context
        #expect(t.roundTrip == 1_000_000)
        #expect(context.frames == [1, 2])
    }

    @Test("Bounds: the flow cap evicts the least recently used flows, flushing their pending queries")
    func flowBound() {
        var config = ApplicationConfig()
        config.limits.maxFlows = 16
        var feeder = Feeder(config)
        for flow in UInt64(1) ... 40 {
            feeder.udp(flow, fromInitiator: true, sport: UInt16(10_000 + flow), dport: 53, DNSBuild.query(id: Int(flow)))
        }
        #expect(feeder.layer.flowCount <= 16)
        #expect(feeder.layer.counters.evictedForFlows >= 24)
        // Evicted queries were reported unanswered; the rest come at the end: none is lost.
        let evicted = feeder.dns.count
        #expect(evicted == feeder.layer.counters.evictedForFlows)
        #expect(evicted + feeder.layer.finishAll().count == 40)
    }

    @Test("Bounds: out-of-order bytes over the budget evict the least recently used holder")
    func bufferBound() {
        var config = ApplicationConfig()
        config.limits.maxBufferedBytes = 1000
        var feeder = Feeder(config)
        let chunk = String(repeating: "x", count: 600)
        for flow in UInt64(1) ... 2 {
            feeder.tcp(flow, fromInitiator: true, sport: 40000, dport: 80, seq: 100, flags: 0x02)
            // A hole at 101..<201: the 600 bytes after it wait.
            feeder.tcp(flow, fromInitiator: true, sport: 40000, dport: 80, seq: 201, chunk)
        }
        #expect(feeder.layer.counters.evictedForBytes == 1)
        #expect(feeder.layer.bufferedBytes == 600)
        #expect(feeder.layer.flowCount == 1)
        _ = feeder.layer.finishAll()
        #expect(feeder.layer.bufferedBytes == 0)
    }
}
