import Events
import Dissection
import Testing
import TestSupport
@testable import Protocols

/// Packetbeat's per-protocol options as the engine applies them:
/// `send_request`, `send_response`, `transaction_timeout`, `tags`, `keep_null`.
@Suite("Protocol options")
struct ProtocolOptionsTests {
    typealias Feeder = ApplicationLayerTests.Feeder

    static func string(_ fields: [ProtocolField], _ name: String) -> String? {
        if case .string(let text)? = fields[field: name] { text } else { nil }
    }

    // MARK: send_request / send_response

    @Test("DNS: send_request and send_response carry Packetbeat's text of the query and of the answer", .enabled(if: SharedCaptures.available, SharedCaptures.skipMessage))
    func dnsMessageText() throws {
        let path = SharedCaptures.path("dns/td_dns_udp.pcap")
        var config = ApplicationConfig()
        config[.dns].sendRequest = true
        config[.dns].sendResponse = true
        let out = try EngineCapture.run(path, config: config)
        let first = try #require(out.first { $0.dataset == .dns })
        let request = try #require(Self.string(first.fields, "request"))
        #expect(request.hasPrefix("ID 22836; QR query; OPCODE QUERY; FLAGS rd ad; RCODE NOERROR; QUESTION class IN, type A, www.tcpdump.org."))
        let response = try #require(Self.string(first.fields, "response"))
        #expect(response.hasPrefix("ID 22836; QR response; OPCODE QUERY; FLAGS aa rd; RCODE NOERROR; QUESTION class IN, type A, www.tcpdump.org.; ANSWER 192.139.46.66; 198.199.88.104; AUTHORITY "))
        #expect(response.contains("ADDITIONAL "))

        let plain = try EngineCapture.run(path)
        #expect(plain.allSatisfy { $0.fields[field: "request"] == nil && $0.fields[field: "response"] == nil })
    }

    @Test("DNS record text: named parts in name order, then the main value, names absolute")
    func dnsRecordText() {
        let soa = DNSRecord(name: "example.com", type: DNSType.soa, class: 1, ttl: 60, rdataLength: 0,
                            data: .soa(DNSSOA(primary: "ns1.example.com", mailbox: "hostmaster.example.com", serial: 7,
                                              refresh: 1, retry: 2, expire: 3, minimum: 4)))
        #expect(DNSMessage.packetbeatRecord(soa)
            == "expire 3, minimum 4, refresh 1, retry 2, rname hostmaster.example.com., serial 7, ns1.example.com.")
        let mx = DNSRecord(name: "example.com", type: DNSType.mx, class: 1, ttl: 60, rdataLength: 0,
                           data: .mx(preference: 10, exchange: "mx.example.com"))
        #expect(DNSMessage.packetbeatRecord(mx) == "preference 10, mx.example.com.")
    }

    @Test("HTTP: the heads as received, credentials masked, a text body after the head, nothing when off")
    func httpMessageText() throws {
        var config = ApplicationConfig()
        config[.http].sendRequest = true
        config[.http].sendResponse = true
        var feeder = Feeder(config)
        let request = "POST /login HTTP/1.1\r\nHost: example.com\r\nAuthorization: Basic dXNlcjpzZWNyZXQ=\r\n"
            + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\nuser=me"
        let response = "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 4\r\n\r\n\u{1}PNG"
        feeder.tcp(1, fromInitiator: true, sport: 40000, dport: 80, seq: 100, flags: 0x02)
        feeder.tcp(1, fromInitiator: false, sport: 80, dport: 40000, seq: 900, flags: 0x12)
        feeder.tcp(1, fromInitiator: true, sport: 40000, dport: 80, seq: 101, request)
        feeder.tcp(1, fromInitiator: false, sport: 80, dport: 40000, seq: 901, response)
        let fields = try #require(feeder.out.first).fields
        #expect(Self.string(fields, "request") == "POST /login HTTP/1.1\r\nHost: example.com\r\nAuthorization: Basic ****************\r\n"
            + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\nuser=me")
        // An image body is not text: the head alone.
        #expect(Self.string(fields, "response") == "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 4\r\n\r\n")

        var plain = Feeder()
        plain.httpExchange(2, port: 80)
        #expect(try #require(plain.out.first).fields[field: "request"] == nil)
    }

    @Test("HTTP: the kept text stops at the bound, on a character boundary")
    func httpMessageTextBound() throws {
        var config = ApplicationConfig()
        config[.http].sendResponse = true
        // The head is 66 bytes: 7 of the 100 two-byte characters fit, and a half.
        config[.http].maxMessageText = 81
        var feeder = Feeder(config)
        let body = String(repeating: "é", count: 100)
        let response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
        feeder.tcp(1, fromInitiator: true, sport: 40000, dport: 80, seq: 100, flags: 0x02)
        feeder.tcp(1, fromInitiator: false, sport: 80, dport: 40000, seq: 900, flags: 0x12)
        feeder.tcp(1, fromInitiator: true, sport: 40000, dport: 80, seq: 101, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        feeder.tcp(1, fromInitiator: false, sport: 80, dport: 40000, seq: 901, response)
        let fields = try #require(feeder.out.first).fields
        let text = try #require(Self.string(fields, "response"))
        #expect(text.utf8.count == 80)
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n") && text.hasSuffix("é"))
        #expect(EventFields.cut("aé", toUTF8: 2) == "a")
    }

    @Test("HTTP from a capture: Basic credentials never reach the request text", .enabled(if: SharedCaptures.available, SharedCaptures.skipMessage))
    func httpCaptureCredentials() throws {
        var config = ApplicationConfig()
        config[.http].sendRequest = true
        let out = try EngineCapture.run(SharedCaptures.path("http/ark_http-basicauth.pcap"), config: config)
        let texts = out.compactMap { Self.string($0.fields, "request") }
        #expect(!texts.isEmpty)
        for text in texts {
            #expect(text.hasPrefix("GET "))
            let authorization = try #require(text.split(separator: "\r\n").first { $0.lowercased().hasPrefix("authorization:") })
            #expect(authorization.hasSuffix("Basic " + String(repeating: "*", count: authorization.count - 21)))
        }
    }

    @Test("TLS, DHCP, ICMP: each side's text")
    func otherTexts() throws {
        var config = ApplicationConfig()
        for proto in [Dataset.tls, .icmp] {
            config[proto].sendRequest = true
            config[proto].sendResponse = true
        }
        var feeder = Feeder(config)
        feeder.tcp(1, fromInitiator: true, sport: 40000, dport: 443, seq: 100, flags: 0x02)
        feeder.clientBytes(1, dport: 443, seq: 101, TLSBuild.record(22, TLSUnitTests.browserHello))
        let eth = Build.ethernet(type: 0x0800)
        feeder.send(eth + Build.ipv4(src: ApplicationLayerTests.client, dst: ApplicationLayerTests.server, proto: 1, payload: Build.echo(type: 8, id: 7, seq: 1)),
                    flow: 2, fromInitiator: true)
        feeder.send(eth + Build.ipv4(src: ApplicationLayerTests.server, dst: ApplicationLayerTests.client, proto: 1, payload: Build.echo(type: 0, id: 7, seq: 1)),
                    flow: 2, fromInitiator: false)
        let icmp = try #require(feeder.out.first { $0.dataset == .icmp }).fields
        #expect(Self.string(icmp, "request") == "Echo Request id 7 seq 1")
        #expect(Self.string(icmp, "response") == "Echo Reply id 7 seq 1")
        let tls = try #require(feeder.layer.finishAll().first { $0.dataset == .tls }).fields
        let client = try #require(Self.string(tls, "request"))
        #expect(client.hasPrefix("ClientHello TLS 1.2; server_name example.com; alpn h2,http/1.1; supported_versions TLS 1.3,TLS 1.2; cipher_suites "))
        #expect(tls[field: "response"] == nil)
    }

    @Test("DHCP from a capture: requests and replies each in their own field", .enabled(if: SharedCaptures.available, SharedCaptures.skipMessage))
    func dhcpText() throws {
        var config = ApplicationConfig()
        config[.dhcp].sendRequest = true
        config[.dhcp].sendResponse = true
        let out = try EngineCapture.run(SharedCaptures.path("dhcp/zk_dhcp-all-msg-types.pcap"), config: config)
        let requests = out.compactMap { Self.string($0.fields, "request") }
        let replies = out.compactMap { Self.string($0.fields, "response") }
        #expect(requests.contains { $0.hasPrefix("BOOTREQUEST xid 0x") && $0.contains("; message_type DISCOVER") })
        #expect(replies.contains { $0.hasPrefix("BOOTREPLY xid 0x") && $0.contains("; message_type OFFER") })
        #expect(out.allSatisfy { ($0.fields[field: "request"] == nil) != ($0.fields[field: "response"] == nil) })
    }

    // MARK: tags, keep_null

    @Test("tags: on every event of the protocol, and of no other")
    func tags() throws {
        var config = ApplicationConfig()
        config[.dns].tags = ["resolver", "lab"]
        var feeder = Feeder(config)
        feeder.udp(1, fromInitiator: true, sport: 5353, dport: 53, DNSBuild.query(id: 1))
        feeder.udp(1, fromInitiator: false, sport: 53, dport: 5353, DNSBuild.response(id: 1))
        feeder.httpExchange(2, port: 80)
        let dns = try #require(feeder.out.first { $0.dataset == .dns })
        #expect(dns.fields[field: "tags"] == .strings(["resolver", "lab"]))
        let http = try #require(feeder.out.first { $0.dataset == .http })
        #expect(http.fields[field: "tags"] == nil)
    }

    @Test("keep_null: every field the transaction has no value for is there as null; none without it")
    func keepNull() throws {
        var config = ApplicationConfig()
        config[.dns].keepNull = true
        config[.dns].sendResponse = true
        var feeder = Feeder(config)
        feeder.udp(1, fromInitiator: true, sport: 5353, dport: 53, DNSBuild.query(id: 1))
        let unanswered = try #require(feeder.layer.finishAll().first).fields
        for name in ["dns.response_code", "dns.answers", "destination.bytes", "event.duration", "response"] {
            #expect(unanswered[field: name] == .null, "\(name)")
        }
        #expect(unanswered[field: "dns.question.name"] == .string("www.example.com"))
        #expect(Set(unanswered.map(\.name)).isSuperset(of: DNSTransaction.fieldNames))

        var plain = Feeder()
        plain.udp(1, fromInitiator: true, sport: 5353, dport: 53, DNSBuild.query(id: 1))
        #expect(!plain.layer.finishAll()[0].fields.contains { $0.value == .null })
    }

    /// Booleans the modules write only when true: absent means false, not unknown.
    static let flags: Set<String> = ["dns.question.name_truncated", "netsift.http.cleartext_credentials",
                                     "tls.detailed.sslv2_client_hello", "tls.detailed.certificates_encrypted",
                                     "tls.detailed.client_certificate_requested"]

    /// `keep_null` relies on each module listing every name it writes.
    @Test("Every field a module writes over the shared captures is in its list of names, or a flag", .enabled(if: SharedCaptures.available, SharedCaptures.skipMessage))
    func fieldNamesCoverOutput() throws {
        var listed: [Dataset: [String]] = [:]
        var seen: [Dataset: Set<String>] = [:]
        for path in SharedCaptures.captures() {
            for t in try EngineCapture.run(path) {
                listed[t.dataset] = type(of: t.transaction).fieldNames
                seen[t.dataset, default: []].formUnion(t.transaction.fields.map(\.name))
            }
        }
        #expect(Self.flags.isDisjoint(with: listed.values.joined()))
        #expect(Set(seen.keys) == Set(Dataset.all))
        for (dataset, names) in seen {
            let unlisted = names.subtracting(listed[dataset] ?? []).subtracting(Self.flags)
            #expect(unlisted.isEmpty, "\(dataset): \(unlisted.sorted())")
        }
        let written = seen.values.reduce(into: Set<String>()) { $0.formUnion($1) }
        #expect(written.isSuperset(of: ["netsift.http.cleartext_credentials", "tls.detailed.certificates_encrypted"]))
    }

    // MARK: transaction_timeout

    @Test("DNS: a query unanswered past transaction_timeout comes out while other flows go on; its late answer stands alone")
    func dnsTimeout() throws {
        var config = ApplicationConfig()
        config[.dns].transactionTimeout = 5_000_000
        var feeder = Feeder(config)
        #expect(feeder.layer.expiryInterval == 5_000_000)
        feeder.udp(1, fromInitiator: true, sport: 5353, dport: 53, DNSBuild.query(id: 1))
        for _ in 0 ..< 10 { feeder.udp(2, fromInitiator: true, sport: 4000, dport: 4001, [0]) }
        let expired = try #require(feeder.dns.first)
        #expect(expired.status == .unanswered)
        #expect(feeder.out[0].context.frames == [1])
        feeder.udp(1, fromInitiator: false, sport: 53, dport: 5353, DNSBuild.response(id: 1))
        #expect(feeder.dns.map(\.status) == [.unanswered, .unsolicited])

        var patient = Feeder()
        patient.udp(1, fromInitiator: true, sport: 5353, dport: 53, DNSBuild.query(id: 1))
        for _ in 0 ..< 10 { patient.udp(2, fromInitiator: true, sport: 4000, dport: 4001, [0]) }
        patient.udp(1, fromInitiator: false, sport: 53, dport: 5353, DNSBuild.response(id: 1))
        #expect(patient.dns.map(\.status) == [.complete])
    }

    @Test("HTTP: a request unanswered past transaction_timeout is emitted; its late response does not pair with the next request")
    func httpTimeout() throws {
        var config = ApplicationConfig()
        config[.http].transactionTimeout = 3_000_000
        var feeder = Feeder(config)
        feeder.tcp(1, fromInitiator: true, sport: 40000, dport: 80, seq: 100, flags: 0x02)
        feeder.tcp(1, fromInitiator: false, sport: 80, dport: 40000, seq: 900, flags: 0x12)
        let first = "GET /slow HTTP/1.1\r\nHost: a\r\n\r\n", second = "GET /next HTTP/1.1\r\nHost: a\r\n\r\n"
        feeder.tcp(1, fromInitiator: true, sport: 40000, dport: 80, seq: 101, first)
        for _ in 0 ..< 5 { feeder.udp(2, fromInitiator: true, sport: 4000, dport: 4001, [0]) }
        #expect(feeder.http.map(\.request?.target) == ["/slow"])
        #expect(feeder.http.first?.notes == .unanswered)
        feeder.tcp(1, fromInitiator: true, sport: 40000, dport: 80, seq: 101 + UInt32(first.utf8.count), second)
        let ok = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
        feeder.tcp(1, fromInitiator: false, sport: 80, dport: 40000, seq: 901, ok)
        feeder.tcp(1, fromInitiator: false, sport: 80, dport: 40000, seq: 901 + UInt32(ok.utf8.count), ok)
        #expect(feeder.http.count == 3)
        #expect(feeder.http[1].request == nil && feeder.http[1].notes == .lateResponse)
        #expect(feeder.http[2].request?.target == "/next" && feeder.http[2].response?.statusCode == 200)
        #expect(feeder.out[1].fields[field: "netsift.http.notes"] == .strings(["late_response"]))
    }

    @Test("HTTP: neither the request being answered nor one still sending its body expires")
    func httpTimeoutSparesOpenMessages() {
        var session = HTTPSession(transactionTimeout: 10)
        let upload = "POST /up HTTP/1.1\r\nContent-Length: 10\r\n\r\n12345"
        #expect(session.feed(Array(upload.utf8), .toServer, at: 0).isEmpty)
        #expect(session.expire(now: 1_000).isEmpty)
        #expect(session.feed(Array("67890".utf8), .toServer, at: 1_001).isEmpty)
        let head = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab"
        #expect(session.feed(Array(head.utf8), .toClient, at: 1_002).isEmpty)
        #expect(session.expire(now: 2_000).isEmpty)
        let done = session.feed(Array("cd".utf8), .toClient, at: 2_001)
        #expect(done.count == 1 && done.first?.request?.body.bytes == 10 && done.first?.response?.body.bytes == 4)
    }

    @Test("TLS and ICMP: an unanswered ClientHello and echo request come out after transaction_timeout")
    func tlsAndICMPTimeout() throws {
        var config = ApplicationConfig()
        config[.tls].transactionTimeout = 2_000_000
        config[.icmp].transactionTimeout = 2_000_000
        var feeder = Feeder(config)
        feeder.tcp(1, fromInitiator: true, sport: 40000, dport: 443, seq: 100, flags: 0x02)
        feeder.clientBytes(1, dport: 443, seq: 101, TLSBuild.record(22, TLSUnitTests.browserHello))
        let eth = Build.ethernet(type: 0x0800)
        feeder.send(eth + Build.ipv4(src: ApplicationLayerTests.client, dst: ApplicationLayerTests.server, proto: 1, payload: Build.echo(type: 8, id: 7, seq: 1)),
                    flow: 2, fromInitiator: true)
        for _ in 0 ..< 5 { feeder.udp(3, fromInitiator: true, sport: 4000, dport: 4001, [0]) }
        let tls = try #require(feeder.out.first { $0.dataset == .tls })
        if let t = tls.as(TLSTransaction.self) { #expect(t.clientHello?.serverName == "example.com" && !t.established) }
        let icmp = try #require(feeder.out.first { $0.dataset == .icmp })
        if let t = icmp.as(ICMPTransaction.self) { #expect(t.request?.type == 8 && t.response == nil) }
        #expect(feeder.layer.finishAll().isEmpty)
    }

    // MARK: Settings as text

    @Test("protocol.key=value settings, and what they refuse")
    func settings() throws {
        var config = ApplicationConfig()
        for text in ["dns.send_request=true", "dns.send_response=TRUE", "http.ports=80,8081", "dns.transaction_timeout=1.5s",
                     "tls.transaction_timeout=250ms", "icmp.transaction_timeout=2", "dhcp.tags=a,b", "tls.keep_null=true",
                     "http.enabled=false"] {
            try ProtocolOptionSetting(text).apply(to: &config)
        }
        #expect(config[.dns].sendRequest && config[.dns].sendResponse)
        #expect(config[.http].ports == [80, 8081] && !config[.http].enabled)
        #expect(config[.dns].transactionTimeout == 1_500_000_000)
        #expect(config[.tls].transactionTimeout == 250_000_000)
        #expect(config[.icmp].transactionTimeout == 2_000_000_000)
        #expect(config[.dhcp].tags == ["a", "b"] && config[.tls].keepNull)
        for bad in ["dns", "dns.send_request", "smtp.enabled=true", "dns.colour=red", "dns.keep_null=yes",
                    "http.ports=80,x", "http.ports=70000", "dns.transaction_timeout=soon", "dns.transaction_timeout=-1s"] {
            #expect(throws: ProtocolOptionSetting.Invalid.self, "\(bad)") {
                var scratch = ApplicationConfig()
                try ProtocolOptionSetting(bad).apply(to: &scratch)
            }
        }
    }
}

extension ApplicationLayerTests.Feeder {
    /// Binary payload from the client on port 40000.
    mutating func clientBytes(_ flow: UInt64, dport: UInt16, seq: UInt32, _ payload: [UInt8]) {
        send(Build.ethernet(type: 0x0800) + Build.ipv4(src: ApplicationLayerTests.client, dst: ApplicationLayerTests.server,
             proto: 6, payload: Build.tcp(sport: 40000, dport: dport, seq: seq, ack: 1, flags: 0x18, payload: payload)),
             flow: flow, fromInitiator: true)
    }
}
