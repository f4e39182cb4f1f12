import Foundation
import Gateway
import Testing
import TestSupport

/// The REST API through the real processes (gateway → search → PostgreSQL).
@Suite(.serialized, .enabled(if: NetSiftSystem.available && FileManager.default.isExecutableFile(atPath: "/usr/bin/curl"),
                             NetSiftSystem.skipMessage))
struct APISystemTests {
    @Test func everyRouteNeedsALiveKey() throws {
        let system = try NetSiftSystem(decoders: 1)
        defer { system.shutdown() }
        let path = system.data + "/small.pcap"
        try SyntheticCapture.write(to: path, flows: 5, packetsPerFlow: 4, seconds: 1)
        #expect(system.ingest(path).status == 0)
        let capture = system.api("/captures/1", key: system.adminKey).body["ReturnValue"] as? [String: Any]
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
        #expect(capture?["Sha256"] as? String == sha256sum(path) && sha256sum(path)?.count == 64, "chain of custody")
        #expect(capture?["FileSize"] as? Int == size && size ?? 0 > 24)
        let revoked = system.run(["keys", "create", "--name", "soon-revoked", "--data", system.data])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(system.run(["keys", "revoke", "2", "--data", system.data]).status == 0)
        let roleKeys: [(role: String, key: String)] = ["viewer", "analyst", "sensor"].map { role in
            (role, system.run(["keys", "create", "\(role)-key", "--role", role, "--data", system.data])
                .stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let wrong = String(repeating: "0", count: 64)
        let flows = system.api("/captures/1/flows", key: system.adminKey).body["ReturnValue"] as? [String: Any]
        let flowID = (flows?["Items"] as? [[String: Any]])?.first?["Id"] as? Int ?? 0
        let export = system.api("/exports?q=tcp", key: system.adminKey, method: "POST").body["ReturnValue"] as? [String: Any]
        let exportName = export?["RelativePath"] as? String ?? "none"
        // Deletions last: deleting a finished search removes it, and later routes read it.
        let routes = GatewayRouter.routes.filter { $0.method != "DELETE" } + GatewayRouter.routes.filter { $0.method == "DELETE" }
        for route in routes {
            let id = route.path.hasPrefix("/api/v1/flows/") ? "\(flowID)" : "1"
            var path = String(route.path.dropFirst("/api/v1".count)).replacingOccurrences(of: "{id}", with: id)
                .replacingOccurrences(of: "{name}", with: exportName)
            let required: [(APIRoute.Parameter.Kind, String)] = [(.query, "q=tcp"), (.queryText, "q=tcp"),
                                                                 (.name, "name=every-route"), (.flag, "enabled=true")]
            let query = required.filter { kind, _ in route.query.contains { $0.kind == kind } }.map(\.1)
            if !query.isEmpty { path += "?" + query.joined(separator: "&") }
            if route.authenticated {
                for (role, key) in roleKeys { Self.expectRole(role, key: key, route, path, system) }
            }
            if case .captureFile = route.answer, route.method == "GET" {
                let file = system.data + "/route.pcap"
                #expect(system.download(path, key: system.adminKey, to: file) == 200, "\(route.path)")
                #expect(((try? Data(contentsOf: URL(fileURLWithPath: file)))?.count ?? 0) > 24, "\(route.path)")
            } else {
                let right = system.api(path, key: system.adminKey, method: route.method)
                let enveloped: Bool
                if case .plain = route.answer { enveloped = false } else { enveloped = true }
                #expect(right.status == 200 && right.body["ErrorCode"] as? Int == (enveloped ? 0 : nil),
                        "\(route.path) with the admin key: \(right)")
            }
            guard route.authenticated else {
                #expect(system.api(path, key: nil, method: route.method).status == 200, "health needs no key")
                continue
            }
            for (what, key) in [("no key", nil), ("a wrong key", wrong), ("a revoked key", revoked), ("junk", "x")] {
                let answer = system.api(path, key: key, method: route.method)
                #expect(answer.status == 401, "\(route.method) \(route.path) with \(what): \(answer.status)")
                #expect([2, 9].contains(answer.body["ErrorCode"] as? Int ?? -1), "\(route.path) with \(what)")
            }
        }
        // Bad requests get the envelope too, and the gateway keeps serving.
        #expect(system.api("/captures/999999", key: system.adminKey).body["ErrorCode"] as? Int == 3)
        #expect(system.api("/captures/999999", key: system.adminKey).status == 404)
        #expect(system.api("/captures/abc", key: system.adminKey).status == 400)
        #expect(system.api("/captures?limit=-5", key: system.adminKey).status == 400)
        let clamped = system.api("/captures?limit=99999999", key: system.adminKey)
        #expect(clamped.status == 200)
        let packets = system.api("/captures/1/packets?limit=99999999", key: system.adminKey).body["ReturnValue"] as? [String: Any]
        #expect(packets?["Count"] as? Int == 20, "all 20 frames, the limit clamped")
        for bad in ["/captures/1/packets?after=-1", "/captures/1/packets?limit=0", "/captures/1/flows?after=x",
                    "/flows?community_id=", "/flows/abc", "/flows/abc/pcap", "/captures/-3/pcap"] {
            let answer = system.api(bad, key: system.adminKey)
            #expect(answer.status == 400 && answer.body["ErrorCode"] as? Int == 4, "\(bad): \(answer)")
        }
        for missing in ["/flows/99999999", "/flows/99999999/pcap", "/captures/99999/pcap", "/captures/99999/packets",
                        "/captures/99999/meta", "/captures/99999/flows"] {
            let answer = system.api(missing, key: system.adminKey)
            #expect(answer.status == 404 && answer.body["ErrorCode"] as? Int == 3, "\(missing): \(answer)")
        }
        #expect(system.api("/info", key: system.adminKey).status == 200)

        // Literals a column cannot hold are query errors with a position, never the database's 500.
        for query in ["port in {0..2147483648}", "packet.size > 2147483648", "vlan.id == 9999999999"] {
            let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
            let answer = system.api("/search?q=\(encoded)", key: system.adminKey)
            #expect(answer.status == 400 && (answer.body["ReturnValue"] as? String)?.contains("out of range") == true,
                    "\(query): \(answer)")
        }

        // A complete capture's file resumes: two ranges make the whole; HEAD gives its length.
        let whole = system.data + "/whole.pcap", first = system.data + "/first.pcap", second = system.data + "/second.pcap"
        #expect(system.download("/captures/1/pcap", key: system.adminKey, to: whole) == 200)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: whole))
        let half = bytes.count / 2
        #expect(system.download("/captures/1/pcap", key: system.adminKey, to: first, range: "bytes=0-\(half - 1)") == 206)
        #expect(system.download("/captures/1/pcap", key: system.adminKey, to: second, range: "bytes=\(half)-") == 206)
        let halves = try Data(contentsOf: URL(fileURLWithPath: first)) + Data(contentsOf: URL(fileURLWithPath: second))
        #expect(bytes.count > 24 && halves == bytes)
        let head = system.head("/captures/1/pcap", key: system.adminKey)
        #expect(head.status == 200 && head.headers["content-length"] == "\(bytes.count)"
                && head.headers["accept-ranges"] == "bytes", "\(head)")

        // A FIFO is refused at once, not read (should it be opened, the other end is opened to end the read).
        let fifo = system.data + "/live.pcap"
        #expect(mkfifo(fifo, 0o600) == 0)
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 20)
            let fd = open(fifo, O_RDWR | O_NONBLOCK)
            if fd >= 0 { close(fd) }
        }
        for command in [["ingest", fifo, "--data", system.data, "--quiet"], ["dump", fifo]] {
            let refused = system.run(command)
            #expect(refused.status != 0 && refused.stderr.contains("it is a FIFO"), "\(command): \(refused)")
        }

        let audit = ((try? String(contentsOfFile: system.data + "/logs/gateway.log", encoding: .utf8)) ?? "")
            .split(separator: "\n").filter { $0.contains(#""msg":"audit""#) }
        for expected in [
            ["viewer-key", "GET", "/api/v1/captures/{id}/pcap", "/api/v1/captures/1/pcap", "200"],
            ["viewer-key", "POST", "/api/v1/hunts", "/api/v1/hunts", "403"],
            ["analyst-key", "POST", "/api/v1/hunts", "/api/v1/hunts", "200"],
            ["sensor-key", "GET", "/api/v1/captures/{id}/packets", "/api/v1/captures/1/packets", "403"],
            ["admin", "DELETE", "/api/v1/exports/{name}", "/api/v1/exports/\(exportName)", "200"],
        ] {
            let fields = zip(["key", "method", "route", "path", "status"], expected).map { #""audit.\#($0)":"\#($1)""# }
            #expect(audit.contains { line in fields.allSatisfy(line.contains) }, "an audit line with \(fields)")
        }
        #expect(!audit.contains { $0.contains(#""audit.route":"/api/v1/captures""#) && $0.contains(#""audit.status":"200""#) },
                "plain reads are not audited (refusals are)")
    }

    /// A role's answer from a route: 403 with ErrorCode 8 unless the role may
    /// call it (every GET but sensors', which have `/info` only; changes:
    /// analysts). An admitted change is asked of a missing hunt, search or
    /// export (404: it ran) so the admin's later call finds its own.
    static func expectRole(_ role: String, key: String, _ route: APIRoute, _ path: String, _ system: NetSiftSystem) {
        let admitted = route.method == "GET" ? role != "sensor" || route.path == "/api/v1/info" : role == "analyst"
        guard admitted else {
            let refused = system.api(path, key: key, method: route.method)
            #expect(refused.status == 403 && refused.body["ErrorCode"] as? Int == 8,
                    "\(role) \(route.method) \(route.path): \(refused)")
            return
        }
        if case .captureFile = route.answer, route.method == "GET" {
            #expect(system.download(path, key: key, to: system.data + "/role.pcap") == 200, "\(role) \(route.path)")
            return
        }
        guard route.method != "GET" else {
            let read = system.api(path, key: key)
            #expect(read.status == 200, "\(role) GET \(route.path): \(read.status)")
            return
        }
        let missing = route.path.contains("{") ? route.path.replacingOccurrences(of: "{id}", with: "99999999")
            .replacingOccurrences(of: "{name}", with: "netsift-search-0-0.pcap") : route.path
        let query = path.firstIndex(of: "?").map { String(path[$0...]) } ?? ""
        let asked = String(missing.dropFirst("/api/v1".count)) + query.replacingOccurrences(of: "every-route", with: "\(role)-route")
        let answer = system.api(asked, key: key, method: route.method)
        let expected = route.path.contains("{") ? (404, 3) : (200, 0)
        #expect(answer.status == expected.0 && answer.body["ErrorCode"] as? Int == expected.1,
                "\(role) \(route.method) \(asked): \(answer)")
    }

    /// Route numbers against capinfos and tshark for real captures.
    @Test(.enabled(if: SharedCaptures.available, SharedCaptures.skipMessage))
    func captureRoutesMatchGroundTruth() throws {
        let system = try NetSiftSystem(decoders: 2)
        defer { system.shutdown() }
        let db = try system.database()
        var checked = 0
        for folder in ["http", "dns", "icmp"] {
            let output = system.ingest(SharedCaptures.path(folder))
            for capture in NetSiftSystem.captures(in: output.stdout) {
                let name = (capture.path as NSString).lastPathComponent
                let object = system.api("/captures/\(capture.id)", key: system.adminKey).body["ReturnValue"] as? [String: Any]
                let stats = system.api("/captures/\(capture.id)/stats", key: system.adminKey).body["ReturnValue"] as? [String: Any]
                guard let object, let stats else {
                    Issue.record("\(name): no objects")
                    continue
                }
                if let truth = SharedCaptures.capinfos(capture.path) {
                    #expect(object["TotalPackets"] as? Int == Int(truth.packets), "\(name)")
                    #expect(stats["TotalPackets"] as? Int == Int(truth.packets), "\(name)")
                }
                let truth = TSharkCounts(capture.path)
                #expect(object["TotalBytes"] as? Int == truth.capturedBytes, "\(name)")
                #expect(stats["Ip4"] as? Int == truth.ipv4, "\(name) Ip4")
                #expect(stats["Ip6"] as? Int == truth.ipv6, "\(name) Ip6")
                #expect(stats["TCP"] as? Int == truth.tcp, "\(name) TCP")
                #expect(stats["UDP"] as? Int == truth.udp, "\(name) UDP")
                #expect(stats["ICMP"] as? Int == truth.icmp, "\(name) ICMP")
                let flows = try db.query("SELECT count(*) FROM flows WHERE capture_id = $1", [Int64(capture.id)]).scalar
                #expect(stats["TotalConnections"] as? Int == flows.flatMap { Int($0) }, "\(name)")
                #expect(object["Status"] as? String == "complete" && object["Source"] as? String == capture.path)
                checked += 1
            }
        }
        #expect(checked >= 15, "captures checked: \(checked)")
        let sensors = system.api("/sensors", key: system.adminKey).body["ReturnValue"] as? [String: Any]
        let items = sensors?["Items"] as? [[String: Any]] ?? []
        #expect(items.count == 1 && items.first?["Captures"] as? Int == checked, "\(items)")
    }
}

/// Per-frame facts from tshark: captured bytes, and the outermost IP
/// version and the transport right after it (fields' first occurrence).
struct TSharkCounts {
    var capturedBytes = 0
    var ipv4 = 0
    var ipv6 = 0
    var tcp = 0
    var udp = 0
    var icmp = 0

    init(_ path: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/tshark")
        process.arguments = ["-n", "-r", path, "-T", "fields", "-E", "occurrence=f", "-E", "separator=|",
                             "-e", "frame.cap_len", "-e", "frame.protocols"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false)
            guard fields.count == 2 else { continue }
            capturedBytes += Int(fields[0]) ?? 0
            let layers = fields[1].split(separator: ":").map(String.init)
            guard let ip = layers.firstIndex(where: { $0 == "ip" || $0 == "ipv6" }) else { continue }
            if layers[ip] == "ip" { ipv4 += 1 } else { ipv6 += 1 }
            let after = layers[(ip + 1)...].first { !["ipv6.hopopts", "ipv6.routing", "ipv6.fraghdr", "ipv6.dstopts"].contains($0) }
            switch after {
            case "tcp": tcp += 1
            case "udp": udp += 1
            case "icmp", "icmpv6": icmp += 1
            default: break
            }
        }
    }
}

/// schemathesis (PyPI) generates requests from the OpenAPI document — valid
/// ones and ones built to violate it — and checks every answer against it:
/// no 5xx, declared statuses and content types, bodies that match the schemas.
@Suite(.serialized, .enabled(if: NetSiftSystem.available && Schemathesis.path != nil,
                             "schemathesis is not installed (ops/install-deps installs it)"))
struct APIFuzzTests {
    @Test func generatedRequestsGetDeclaredAnswers() throws {
        let system = try NetSiftSystem(decoders: 1)
        defer { system.shutdown() }
        let path = system.data + "/small.pcap"
        try SyntheticCapture.write(to: path, flows: 5, packetsPerFlow: 4, seconds: 1)
        #expect(system.ingest(path).status == 0)
        let document = system.data + "/openapi.json"
        #expect(system.download("/openapi.json", key: system.adminKey, to: document) == 200)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Schemathesis.path))
        process.arguments = ["run", document, "--url", "http://127.0.0.1:\(system.httpPort)",
                             "-H", "Authorization: Token \(system.adminKey)", "--checks", "all",
                             // Each parameter's schema is what the server takes (OpenAPIDocumentTests), but
                             // some refusals no schema can say: a query that does not parse, a window whose
                             // start is after its end, a PATCH with neither enabled nor interval. 400 is right.
                             "--exclude-checks", "positive_data_acceptance",
                             "--max-examples", "40", "--seed", "1", "--no-color"]
        process.currentDirectoryURL = URL(fileURLWithPath: system.data)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text.suffix(4_000))")
        // The gateway is still serving afterwards.
        #expect(system.api("/captures", key: system.adminKey).status == 200)
    }
}

enum Schemathesis {
    static let path: String? = ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":")
        .map { $0 + "/schemathesis" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}
