import Events
import Capture
import Dump
import Foundation
import Protocols
import Testing
import TestSupport

/// `netsift dump` with the application layer: a line or an object per
/// transaction after the packet that completed it.
@Suite("netsift dump: application layer")
struct ApplicationDumpTests {
    static func dnsQuery(id: UInt16, _ name: String) -> [UInt8] {
        var out: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xff), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") { out.append(UInt8(label.utf8.count)); out += Array(label.utf8) }
        return out + [0, 0, 1, 0, 1]
    }

    static func dnsResponse(id: UInt16, _ name: String, address: [UInt8]) -> [UInt8] {
        var out = dnsQuery(id: id, name)
        out[2] = 0x81; out[3] = 0x80; out[7] = 1
        return out + [0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4] + address
    }

    /// A DNS exchange, the query's datagram in two IPv4 fragments; an HTTP
    /// exchange; an ICMP echo pair.
    static func frames() -> [[UInt8]] {
        let client = "192.0.2.1", server = "198.51.100.2"
        let eth = Build.ethernet(type: 0x0800)
        let query = Build.udp(sport: 40001, dport: 53, payload: dnsQuery(id: 0x77, "www.example.com"))
        let request = Array("GET /a?b=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\n\r\n".utf8)
        let response = Array("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".utf8)
        return [
            eth + Build.ipv4(src: client, dst: server, proto: 17, payload: Array(query[0 ..< 16]), id: 5, moreFragments: true),
            eth + Build.ipv4(src: client, dst: server, proto: 17, payload: Array(query[16...]), id: 5, fragmentOffset: 16),
            eth + Build.ipv4(src: server, dst: client, proto: 17, payload: Build.udp(sport: 53, dport: 40001,
                payload: dnsResponse(id: 0x77, "www.example.com", address: [192, 0, 2, 80]))),
            eth + Build.ipv4(src: client, dst: server, proto: 6, payload: Build.tcp(sport: 40000, dport: 80, seq: 10, flags: 0x02)),
            eth + Build.ipv4(src: server, dst: client, proto: 6, payload: Build.tcp(sport: 80, dport: 40000, seq: 50, ack: 11, flags: 0x12)),
            eth + Build.ipv4(src: client, dst: server, proto: 6, payload: Build.tcp(sport: 40000, dport: 80, seq: 11, ack: 51, flags: 0x18, payload: request)),
            eth + Build.ipv4(src: server, dst: client, proto: 6, payload: Build.tcp(sport: 80, dport: 40000, seq: 51, ack: 11, flags: 0x18, payload: response)),
            eth + Build.ipv4(src: client, dst: server, proto: 1, payload: Build.echo(type: 8, id: 9, seq: 1)),
            eth + Build.ipv4(src: server, dst: client, proto: 1, payload: Build.echo(type: 0, id: 9, seq: 1)),
        ]
    }

    static func value(_ object: [String: Any], _ path: String) -> Any? {
        var current: Any? = object
        for key in path.split(separator: ".") { current = (current as? [String: Any])?[String(key)] }
        return current
    }

    static func dataset(_ object: [String: Any]) -> String? { value(object, "event.dataset") as? String }

    @Test("text: a summary line after the packet that completed each transaction")
    func textSummaries() throws {
        let dir = try DumpTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/l7.pcap"
        try DumpTests.writeCapture(Self.frames(), to: path)
        let lines = try DumpTests.run(path) { $0.format = .text }.lines
        let l7 = lines.enumerated().filter { $0.element.hasPrefix("  ") }
        #expect(l7.count == 3)
        let dns = try #require(l7.first { $0.element.hasPrefix("  dns: ") })
        #expect(dns.element == "  dns: 119+ A? www.example.com. (33) → 119 1/0/0 A 192.0.2.80 (49)")
        #expect(lines[dns.offset - 1].hasPrefix("3 "))
        let http = try #require(l7.first { $0.element.hasPrefix("  http: ") })
        #expect(http.element == "  http: GET /a?b=1 HTTP/1.1 Host: example.com → 404 Not Found")
        #expect(lines[http.offset - 1].hasPrefix("7 "))
        let icmp = try #require(l7.first { $0.element.hasPrefix("  icmp: ") })
        #expect(icmp.element == "  icmp: Echo Request → Echo Reply id 9 seq 1 rtt 1.000 ms")

        let off = try DumpTests.run(path) { $0.format = .text; $0.decoder.application = nil }.lines
        #expect(off.count == lines.count - 3)
    }

    @Test("JSON: one ECS object per transaction with the flow's id and Community ID")
    func jsonObjects() throws {
        let dir = try DumpTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/l7.pcap"
        try DumpTests.writeCapture(Self.frames(), to: path)
        let objects = try DumpTests.objects(try DumpTests.run(path).lines)
        let flows = objects.filter { Self.dataset($0) == "flow" }
        let dns = try #require(objects.first { Self.dataset($0) == "dns" })
        #expect(Self.value(dns, "dns.question.name") as? String == "www.example.com")
        #expect(Self.value(dns, "dns.resolved_ip") as? [String] == ["192.0.2.80"])
        #expect(Self.value(dns, "netsift.frames") as? [Int] == [2, 3])
        #expect((Self.value(dns, "event.start") as? String)?.hasSuffix("Z") == true)
        #expect((Self.value(dns, "@timestamp") as? String)?.count == 30)
        let http = try #require(objects.first { Self.dataset($0) == "http" })
        #expect(Self.value(http, "url.original") as? String == "/a?b=1")
        #expect(Self.value(http, "http.response.status_code") as? Int == 404)
        #expect(objects.contains { Self.dataset($0) == "icmp" })
        for event in [dns, http] {
            let id = try #require(Self.value(event, "flow.id") as? String)
            let flow = try #require(flows.first { Self.value($0, "flow.id") as? String == id })
            #expect(Self.value(event, "network.community_id") as? String == Self.value(flow, "network.community_id") as? String)
        }
    }

    @Test("JSON: a protocol's options add its tags, its request text and nulls to its events only")
    func jsonProtocolOptions() throws {
        let dir = try DumpTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/l7.pcap"
        try DumpTests.writeCapture(Self.frames(), to: path)
        var config = ApplicationConfig()
        config[.dns].tags = ["lab", "resolver"]
        config[.dns].sendRequest = true
        config[.dns].keepNull = true
        let objects = try DumpTests.objects(try DumpTests.run(path) { $0.decoder.application = config }.lines)
        let dns = try #require(objects.first { Self.dataset($0) == "dns" })
        #expect(Self.value(dns, "tags") as? [String] == ["lab", "resolver"])
        #expect((Self.value(dns, "request") as? String)?.hasSuffix("QUESTION class IN, type A, www.example.com.") == true)
        #expect(Self.value(dns, "dns.opt.udp_size") is NSNull)
        #expect(Self.value(dns, "error.message") is NSNull)
        let http = try #require(objects.first { Self.dataset($0) == "http" })
        #expect(Self.value(http, "tags") == nil && Self.value(http, "request") == nil)
        #expect(Self.value(http, "http.request.referrer") == nil)
    }

    // MARK: Shared captures

    struct Tally {
        var objects: [[String: Any]]
        func of(_ dataset: String) -> [[String: Any]] { objects.filter { ApplicationDumpTests.dataset($0) == dataset } }
        func strings(_ dataset: String, _ path: String, where keep: ([String: Any]) -> Bool = { _ in true }) -> [String] {
            of(dataset).filter(keep).compactMap { ApplicationDumpTests.value($0, path).map { "\($0)" } }.sorted()
        }
    }

    static func tshark(_ file: String, _ field: String, filter: String) -> [String] {
        TShark.fields(file, [field], filter: filter, extra: ["-E", "occurrence=a"])
            .flatMap { $0.first.map { $0.split(separator: ",").map(String.init) } ?? [] }
            .filter { !$0.isEmpty }.sorted()
    }

    static func tsharkCount(_ file: String, filter: String) -> Int {
        TShark.fields(file, ["frame.number"], filter: filter).count
    }

    @Test("every capture under dns/, http/, tls/, dhcp/, icmp/: transactions and fields as tshark sees them",
          .enabled(if: SharedCaptures.available && TShark.available, SharedCaptures.skipMessage))
    func sharedCapturesAgainstTShark() throws {
        var mismatches: [String] = []
        for folder in ["dns", "http", "tls", "dhcp", "icmp"] {
            for file in SharedCaptures.captures(in: folder) {
                let tally = Tally(objects: try DumpTests.objects(try DumpTests.run(file).lines))
                var problems: [String] = []
                func compare<T: Equatable>(_ name: String, _ ours: T, _ theirs: T) {
                    if ours != theirs { problems.append("\(name): ours \(ours) tshark \(theirs)") }
                }
                switch folder {
                case "dns":
                    let queries = tally.of("dns").filter { Self.value($0, "source.bytes") != nil }
                    let answers = tally.of("dns").filter { Self.value($0, "destination.bytes") != nil }
                    compare("queries", queries.count, Self.tsharkCount(file, filter: "dns.flags.response == 0"))
                    compare("responses", answers.count, Self.tsharkCount(file, filter: "dns.flags.response == 1"))
                    compare("query names", tally.strings("dns", "dns.question.name") { Self.value($0, "source.bytes") != nil },
                            Self.tshark(file, "dns.qry.name", filter: "dns.flags.response == 0").map { $0 == "<Root>" ? "." : $0 })
                case "http":
                    compare("requests", tally.strings("http", "url.original"),
                            Self.tshark(file, "http.request.uri", filter: "http.request"))
                    compare("hosts", tally.strings("http", "url.domain"),
                            Self.tshark(file, "http.host", filter: "http.request").map { host in
                                // Without the port, as ECS url.domain keeps it (brackets of an IPv6 literal kept).
                                if host.hasPrefix("["), let close = host.firstIndex(of: "]") { return String(host[...close]) }
                                return String(host.split(separator: ":").first ?? "")
                            })
                    compare("status codes", tally.strings("http", "http.response.status_code"),
                            Self.tshark(file, "http.response.code", filter: "http.response && http.response.code >= 200"))
                case "tls":
                    let hellos = tally.of("tls").filter { Self.value($0, "tls.client.ja3") != nil }
                    compare("client hellos", hellos.count, Self.tsharkCount(file, filter: "tls.handshake.type == 1"))
                    compare("SNI", tally.strings("tls", "tls.client.server_name"),
                            Self.tshark(file, "tls.handshake.extensions_server_name", filter: "tls.handshake.type == 1"))
                    compare("JA3", tally.strings("tls", "tls.client.ja3"),
                            Self.tshark(file, "tls.handshake.ja3", filter: "tls.handshake.type == 1"))
                    compare("JA3S", tally.strings("tls", "tls.server.ja3s"),
                            Self.tshark(file, "tls.handshake.ja3s", filter: "tls.handshake.type == 2"))
                case "dhcp":
                    compare("messages", tally.of("dhcp").count, Self.tsharkCount(file, filter: "dhcp"))
                    compare("transaction ids", Set(tally.strings("dhcp", "dhcp.transaction_id")),
                            Set(Self.tshark(file, "dhcp.id", filter: "dhcp")))
                default:
                    compare("echo replies", tally.of("icmp").filter {
                        [0, 129].contains(Self.value($0, "icmp.response.type") as? Int ?? -1)
                    }.count, Self.tsharkCount(file, filter: "icmp.type == 0 || icmpv6.type == 129"))
                }
                let name = "\(folder)/\((file as NSString).lastPathComponent)"
                print("\(name): " + (problems.isEmpty ? "match" : problems.joined(separator: "; ")))
                if !problems.isEmpty { mismatches.append(name + ": " + problems.joined(separator: "; ")) }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test("every shared capture, malformed ones included, dumps with the application layer without a crash",
          .enabled(if: SharedCaptures.available, SharedCaptures.skipMessage))
    func everyCaptureDecodes() throws {
        for file in SharedCaptures.captures() where !file.contains("/large/") {
            var options = DumpOptions()
            options.format = .none
            var output = Output(descriptor: -1)
            let summary = try Dump.run(path: file, options: options, output: &output)
            #expect(summary.captures.count == 1)
        }
    }
}
