import Foundation
import Protocols
import Testing
import TestSupport

/// HTTP transactions of the shared captures against Arkime, Suricata,
/// FoxIO's JA4H inputs and tshark. Every TCP connection goes through
/// `TCPStreamReassembler` and an `HTTPSession`.
@Suite(.serialized) struct HTTPConformanceTests {
    struct Result {
        var connection: TCPStreamCapture.Connection
        var transactions: [HTTPTransaction]
        var session: HTTPSession
        var streams: TCPStreamReassembler.Counters
    }

    /// Captures tshark finds HTTP in (`tshark -Y http`), all folders.
    static let captures = [
        "community-id/cid_combined.pcap", "http/ark_http-basicauth.pcap", "http/ark_http-content-gzip.pcap",
        "http/ark_http-simple-get.pcap", "http/ja4_http1-with-cookies.pcapng", "http/sv_http-chunked.pcap",
        "http/sv_http-ipv6.pcap", "http/td_ipv4_tcp_http_xml.pcap", "ipv6/cs_http_ip4and6.pcapng",
        "large/sv_tls-subjectaltname.pcap", "tcp/ark_wireshark-retrans.pcap", "tcp/cs_tcp_dupack.pcapng",
        "tcp/zk_handshake-reorder.pcap", "vlan/ark_twovlan.pcap", "vlan/zk_http-vlan-0.pcap",
    ]

    static func isClient(_ payload: [UInt8], _ source: TCPStreamCapture.Endpoint, _ destination: TCPStreamCapture.Endpoint) -> Bool {
        if payload.withUnsafeBytes({ HTTPModule.sniff($0, direction: .toServer) }) { return true }
        if payload.withUnsafeBytes({ HTTPModule.sniff($0, direction: .toClient) }) { return false }
        return HTTPModule.defaultPorts.contains(destination.port)
    }

    /// Whether a connection is HTTP: a default port, or its first bytes sniff as HTTP.
    static func isHTTP(_ c: TCPStreamCapture.Connection) -> Bool {
        if HTTPModule.defaultPorts.contains(c.server.port) { return true }
        guard let first = c.segments.first(where: { !$0.payload.isEmpty }) else { return false }
        return first.payload.withUnsafeBytes { HTTPModule.sniff($0, direction: c.direction(of: first)) }
    }

    static func run(_ path: String, all: Bool = false) throws -> [Result] {
        try TCPStreamCapture.read(path, isClient: isClient).filter { all || isHTTP($0) }.map { connection in
            var session = HTTPSession()
            var transactions: [HTTPTransaction] = []
            let streams = connection.replay { delivery in
                switch delivery.kind {
                case .data(let bytes): transactions += session.receive(bytes, direction: delivery.direction, time: delivery.time)
                case .gap(let n): transactions += session.gap(n, direction: delivery.direction, time: delivery.time)
                case .end: break
                }
            }
            transactions += session.finish(time: connection.segments.last?.time ?? 0)
            return Result(connection: connection, transactions: transactions, session: session, streams: streams)
        }
    }

    static func report(_ name: String, _ differences: [String], total: inout (matched: Int, all: Int)) {
        total.all += 1
        if differences.isEmpty { total.matched += 1 }
        print("HTTP conformance \(name): \(differences.isEmpty ? "match" : differences.joined(separator: "; "))")
    }

    // MARK: Arkime

    @Test(.enabled(if: SharedCaptures.available, SharedCaptures.skipMessage))
    func arkimeSessions() throws {
        let files = ["http/ark_http-simple-get", "http/ark_http-content-gzip", "http/ark_http-basicauth",
                     "tcp/ark_wireshark-retrans", "vlan/ark_twovlan"]
        var total = (matched: 0, all: 0)
        var fieldsCompared = 0
        for file in files {
            let data = try Data(contentsOf: URL(fileURLWithPath: SharedCaptures.path(file + ".arkime.json")))
            let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let sessions = (json["sessions3"] as? [[String: Any]] ?? []).compactMap { $0["body"] as? [String: Any] }
            let results = try Self.run(SharedCaptures.path(file + ".pcap"))
            var differences: [String] = []
            for session in sessions {
                guard let http = session["http"] as? [String: Any],
                      let sport = (session["source"] as? [String: Any])?["port"] as? Int,
                      let dport = (session["destination"] as? [String: Any])?["port"] as? Int else { continue }
                guard let result = results.first(where: { Int($0.connection.client.port) == sport && Int($0.connection.server.port) == dport }) else {
                    differences.append("no HTTP connection \(sport)->\(dport)")
                    continue
                }
                let requests = result.transactions.compactMap(\.request)
                let responses = result.transactions.compactMap(\.response)
                let ours: [String: [String]] = [
                    "method": requests.map(\.method),
                    "host": requests.flatMap { r in [r.host?.lowercased(), URLFields.domain(r)].compactMap { $0 } },
                    "path": requests.compactMap { URLFields.path($0) },
                    "useragent": requests.compactMap(\.userAgent),
                    "request-referer": requests.compactMap(\.referrer),
                    "user": requests.compactMap(\.basicUser),
                    "authType": requests.compactMap(\.authorizationType),
                    "cookieKey": requests.flatMap(\.cookieNames),
                    "clientVersion": requests.map(\.version),
                    "serverVersion": responses.map(\.version),
                    "statuscode": responses.map { String($0.statusCode) },
                    // Arkime's uri is the Host field and the target; its header lists are lowercased names.
                    "uri": requests.map { ($0.host ?? "") + $0.target },
                    "requestHeader": requests.flatMap(\.headerNames),
                    "responseHeader": responses.flatMap(\.headerNames),
                ]
                for (key, values) in ours.sorted(by: { $0.key < $1.key }) {
                    let expected = Set((http[key] as? [Any] ?? []).map { "\($0)" })
                    let got = Set(values)
                    fieldsCompared += 1
                    if expected != got { differences.append("\(key): arkime \(expected.sorted()) netsift \(got.sorted())") }
                }
                for method in Set(requests.map(\.method)) {
                    fieldsCompared += 1
                    let count = http["method-\(method)"] as? Int
                    if count != requests.filter({ $0.method == method }).count {
                        differences.append("method-\(method): arkime \(count ?? 0) netsift \(requests.filter { $0.method == method }.count)")
                    }
                }
            }
            Self.report(file, differences, total: &total)
            #expect(differences.isEmpty, "\(file): \(differences)")
        }
        print("HTTP conformance Arkime: \(total.matched)/\(total.all) captures match, \(fieldsCompared) fields compared")
    }

    // MARK: Suricata

    @Test(.enabled(if: SharedCaptures.available, SharedCaptures.skipMessage))
    func suricataChecks() throws {
        var total = (matched: 0, all: 0)
        for file in ["http/sv_http-chunked", "http/sv_http-ipv6"] {
            let checks = try SuricataChecks.read(SharedCaptures.path(file + ".test.yaml"))
            let rules = (try? String(contentsOfFile: SharedCaptures.path(file + ".test.rules"), encoding: .utf8)) ?? ""
            let transactions = try Self.run(SharedCaptures.path(file + ".pcap")).flatMap(\.transactions)
            var differences: [String] = []
            for check in checks {
                let count: Int?
                switch check.match["event_type"] {
                case "http":
                    count = transactions.filter { t in
                        check.match.allSatisfy { key, value in key == "event_type" || SuricataChecks.httpField(key, t) == value }
                    }.count
                case "alert":
                    // Without a signature id the check counts every rule's alerts.
                    let sids = check.match["alert.signature_id"].flatMap(Int.init).map { [$0] } ?? SuricataChecks.sids(rules)
                    count = sids.reduce(0) { total, sid in total + transactions.filter { SuricataChecks.ruleMatches(rules, sid: sid, $0) }.count }
                case "anomaly":
                    count = transactions.filter { !($0.request?.anomalies.isEmpty ?? true) || !($0.response?.anomalies.isEmpty ?? true) }.count
                default:
                    count = nil
                }
                if count != check.count { differences.append("\(check.match.sorted { $0.key < $1.key }): expected \(check.count), got \(count.map(String.init) ?? "unchecked")") }
            }
            Self.report(file + " (\(checks.count) checks)", differences, total: &total)
            #expect(differences.isEmpty, "\(file): \(differences)")
        }
        print("HTTP conformance Suricata: \(total.matched)/\(total.all) captures match")
    }

    // MARK: FoxIO JA4H inputs (the HTTP fields only; JA4H itself is not computed)

    @Test(.enabled(if: SharedCaptures.available, SharedCaptures.skipMessage))
    func ja4hInputs() throws {
        let file = "http/ja4_http1-with-cookies"
        let data = try Data(contentsOf: URL(fileURLWithPath: SharedCaptures.path(file + ".ja4-python.json")))
        let entries = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        let expected = entries.compactMap { $0["JA4H_ro"] as? String }
        let requests = try Self.run(SharedCaptures.path(file + ".pcapng")).flatMap(\.transactions).compactMap(\.request)
        var differences: [String] = []
        if expected.count != requests.count { differences.append("requests: ja4 \(expected.count) netsift \(requests.count)") }
        for (ro, request) in zip(expected, requests) {
            let others = request.headerNames.filter { $0 != "cookie" && $0 != "referer" }
            let prefix = String(request.method.lowercased().prefix(2)) + request.version.replacingOccurrences(of: ".", with: "")
                + (request.hasCookie ? "c" : "n") + (request.referrer != nil ? "r" : "n") + String(format: "%02d", min(others.count, 99))
            if !ro.hasPrefix(prefix) { differences.append("prefix: ja4 \(ro.prefix(8)) netsift \(prefix)") }
            let names = ro.dropFirst(13).lowercased()
            let ourNames = others.joined(separator: ",") + "_" + request.cookieNames.joined(separator: ",").lowercased() + "_"
            if !names.hasPrefix(ourNames) { differences.append("header/cookie names: ja4 \(names) netsift \(ourNames)") }
        }
        var total = (matched: 0, all: 0)
        Self.report(file, differences, total: &total)
        #expect(differences.isEmpty)
    }

    // MARK: tshark

    static let tsharkFields = ["tcp.srcport", "tcp.dstport", "http.request.method", "http.request.uri", "http.host",
                               "http.response.code", "http.user_agent", "http.content_type", "http.content_length",
                               "http.authbasic"]

    /// Our transactions as tshark's rows: one per request and one per response.
    static func rows(_ results: [Result]) -> [String] {
        results.flatMap { r in
            let c = "\(r.connection.client.port)", s = "\(r.connection.server.port)"
            return r.transactions.flatMap { t -> [String] in
                var out: [String] = []
                if let q = t.request {
                    out.append([c, s, q.method, q.target, q.host ?? "", "", q.userAgent ?? "", q.contentType ?? "",
                                q.contentLength ?? "", q.basicUser ?? ""].joined(separator: "|"))
                }
                if let p = t.response {
                    out.append([s, c, "", "", "", "\(p.statusCode)", "", p.contentType ?? "", p.contentLength ?? "", ""].joined(separator: "|"))
                }
                return out
            }
        }.sorted()
    }

    @Test(.enabled(if: SharedCaptures.available && FileManager.default.isExecutableFile(atPath: "/usr/bin/tshark"),
                   "needs the shared captures and tshark; skipping"))
    func tsharkFieldsOnEveryHTTPCapture() throws {
        var total = (matched: 0, all: 0)
        var rowsCompared = 0
        for file in Self.captures {
            let path = SharedCaptures.path(file)
            // tshark 4.0 leaves out-of-order segments unreassembled unless told (NetSift, like Suricata,
            // reorders), and by default shows a response only once its whole body is captured (NetSift
            // reports it from its head, the body flagged when cut).
            let output = try LiveEnvironment.run("/usr/bin/tshark", ["-n", "-r", path, "-o", "tcp.reassemble_out_of_order:TRUE",
                                                                    "-o", "http.desegment_body:FALSE",
                                                                    "-Y", "http", "-T", "fields",
                                                                    "-E", "separator=|", "-E", "occurrence=f"]
                                                   + Self.tsharkFields.flatMap { ["-e", $0] })
            var theirs = output.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("Running as") }.map { row in
                // http.authbasic is "user:password"; NetSift keeps the user only.
                var columns = row.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
                if columns.count == 10 { columns[9] = String(columns[9].split(separator: ":", maxSplits: 1).first ?? "") }
                return columns.joined(separator: "|")
            }
            // Frames tshark marks HTTP without any of these fields are body continuations.
            let continuations = theirs.filter { $0.split(separator: "|", omittingEmptySubsequences: false).dropFirst(2).allSatisfy(\.isEmpty) }
            theirs = theirs.filter { !continuations.contains($0) }.sorted()
            let ours = Self.rows(try Self.run(path))
            rowsCompared += theirs.count
            var differences: [String] = []
            let missing = theirs.multisetSubtracting(ours), extra = ours.multisetSubtracting(theirs)
            if !missing.isEmpty { differences.append("tshark only: \(missing)") }
            if !extra.isEmpty { differences.append("netsift only: \(extra)") }
            Self.report(file + " vs tshark (\(theirs.count) rows, \(continuations.count) continuation frames left out)", differences, total: &total)
            if !differences.isEmpty, !Self.explained.keys.contains(file) { Issue.record("\(file): \(differences)") }
        }
        print("HTTP conformance tshark: \(total.matched)/\(total.all) captures match, \(rowsCompared) rows of \(Self.tsharkFields.count) fields compared")
    }

    /// Differences with a reason (docs/CONFORMANCE.md material).
    static let explained: [String: String] = [:]

    // MARK: Every capture

    /// Every capture's TCP connections through the reassembler and an HTTP
    /// session, HTTP or not: nothing crashes, faults are flagged.
    @Test(.enabled(if: SharedCaptures.available, SharedCaptures.skipMessage))
    func everyCaptureDecodesWithoutACrash() throws {
        for path in SharedCaptures.captures() {
            guard let results = try? Self.run(path, all: true) else { continue }
            let abandoned = results.filter { $0.session.counters.abandoned }.count
            let transactions = results.reduce(0) { $0 + $1.transactions.count }
            if path.hasSuffix("td_tcp_rst_data-trunc.pcap") {
                // A RST whose data the snap length cut: flagged as uncaptured bytes, delivered as a gap.
                #expect(results.first?.streams.uncapturedBytes ?? 0 > 0)
            }
            if path.contains("/malformed/") || path.contains("/tcp/") {
                let name = (path as NSString).lastPathComponent
                let streams = results.map(\.streams)
                print("HTTP/TCP \(name): \(results.count) connections, \(transactions) HTTP transactions, \(abandoned) not HTTP or given up; "
                      + "retransmitted \(streams.reduce(0) { $0 + $1.retransmittedBytes }) B, overlaps \(streams.reduce(0) { $0 + $1.overlapBytes }) B, "
                      + "conflicts \(streams.reduce(0) { $0 + $1.overlapConflicts }), gaps \(streams.reduce(0) { $0 + $1.gaps }), "
                      + "uncaptured \(streams.reduce(0) { $0 + $1.uncapturedBytes }) B")
            }
        }
    }
}

extension Array where Element: Hashable {
    func multisetSubtracting(_ other: [Element]) -> [Element] {
        var counts: [Element: Int] = [:]
        for e in other { counts[e, default: 0] += 1 }
        return filter { e in
            if let n = counts[e], n > 0 { counts[e] = n - 1; return false }
            return true
        }
    }
}

/// URL parts as the fields list gives them.
enum URLFields {
    static func transaction(_ r: HTTPRequest) -> HTTPTransaction { HTTPTransaction(request: r, response: nil, start: 0, end: 0) }
    static func domain(_ r: HTTPRequest) -> String? { transaction(r).string("url.domain")?.lowercased() }
    static func path(_ r: HTTPRequest) -> String? { transaction(r).string("url.path") }
}

/// The `checks:` of a suricata-verify test.yaml (the subset these tests use)
/// and the eve/rule semantics NetSift can reproduce.
enum SuricataChecks {
    struct Check { var count: Int; var match: [String: String] }

    static func read(_ path: String) throws -> [Check] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var checks: [Check] = []
        var inMatch = false
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("- filter:") { checks.append(Check(count: 0, match: [:])); inMatch = false; continue }
            guard !checks.isEmpty, let colon = line.firstIndex(of: ":") else { continue }
            let key = String(line[..<colon]), value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                .trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            if key == "count" { checks[checks.count - 1].count = Int(value) ?? -1; inMatch = false }
            else if key == "match" { inMatch = true }
            else if inMatch { checks[checks.count - 1].match[key] = value }
        }
        return checks
    }

    /// eve `http.*` names to NetSift's fields.
    static func httpField(_ key: String, _ t: HTTPTransaction) -> String? {
        switch key {
        case "http.hostname": t.string("url.domain")
        case "http.url": t.string("url.original")
        case "http.http_method": t.string("http.request.method")
        case "http.http_user_agent": t.string("user_agent.original")
        case "http.status": t.int("http.response.status_code").map { "\($0)" }
        case "http.protocol": t.string("http.version").map { "HTTP/\($0)" }
        case "http.length": t.int("http.response.body.bytes").map { "\($0)" }
        default: nil
        }
    }

    static func sids(_ rules: String) -> [Int] {
        rules.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { rule in
            rule.range(of: "sid:").flatMap { r in Int(rule[r.upperBound...].prefix { $0.isNumber }) }
        }
    }

    /// A to_server `content:"X"` rule on the request headers: whether a header named X is there.
    /// Suricata's http.header buffer leaves out Cookie (its doc says so); the others keep it.
    static func ruleMatches(_ rules: String, sid: Int, _ t: HTTPTransaction) -> Bool {
        guard let request = t.request,
              let rule = rules.split(separator: "\n").first(where: { $0.contains("sid:\(sid);") && !$0.hasPrefix("#") }),
              let start = rule.range(of: "content:\""),
              let end = rule[start.upperBound...].firstIndex(of: "\"") else { return false }
        let content = rule[start.upperBound ..< end].lowercased()
        if rule.contains("http.header;") && content == "cookie" { return false }
        return request.headerNames.contains(content)
    }
}
