import Foundation
import Testing
import TestSupport

/// Queries through the real processes (gateway → search → PostgreSQL)
/// against tshark's display filters on the same captures.
@Suite(.serialized, .enabled(if: NetSiftSystem.available && FileManager.default.isExecutableFile(atPath: "/usr/bin/tshark")
                             && SharedCaptures.available, NetSiftSystem.skipMessage))
struct SearchSystemTests {
    /// (NetSift query, the tshark display filter that selects the same packets).
    static let equivalents: [(String, String)] = [
        ("tcp", "tcp"),
        ("udp", "udp"),
        ("!tcp", "!tcp"),
        ("ipv6", "ipv6"),
        ("ip.addr == 192.168.0.0/16", "ip.addr == 192.168.0.0/16"),
        ("ip.src == 10.0.0.0/8 && tcp", "ip.src == 10.0.0.0/8 && tcp"),
        ("ip.addr != 192.168.1.1", "ip.addr != 192.168.1.1 || (ipv6 && !ip)"),
        ("port == 80", "tcp.port == 80 || udp.port == 80"),
        ("tcp.port in {80, 443, 8000..8100}", "tcp.port in {80, 443, 8000..8100}"),
        ("port in {53, 67..68}", "tcp.port in {53, 67..68} || udp.port in {53, 67..68}"),
        ("packet.size > 200 && !(port == 80)", "frame.len > 200 && !(tcp.port == 80 || udp.port == 80)"),
        ("proto == udp && !(port == 53)", "udp && !(udp.port == 53)"),
        ("packet.caplen <= 60 || vlan", "frame.cap_len <= 60 || vlan"),
    ]

    @Test func packetsEqualTsharkDisplayFilters() throws {
        let system = try NetSiftSystem(decoders: 2)
        defer { system.shutdown() }
        var captures: [(id: UInt64, path: String)] = []
        for folder in ["http", "dns", "tcp", "vlan", "dhcp", "tls"] {
            captures += NetSiftSystem.captures(in: system.ingest(SharedCaptures.path(folder)).stdout)
                .filter { $0.status == "complete" }.map { ($0.id, $0.path) }
        }
        #expect(captures.count >= 20)
        var compared = 0
        for (query, filter) in Self.equivalents {
            var ours = Set<String>()
            var afterCapture = 0, after = 0
            while true {
                let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
                let page = system.api("/search?q=\(encoded)&as=packets&limit=1000&after_capture=\(afterCapture)&after=\(after)",
                                      key: system.adminKey)
                guard let list = page.body["ReturnValue"] as? [String: Any],
                      let results = list["Results"] as? [String: [[String: Any]]] else {
                    Issue.record("\(query): \(page.status) \(page.body)")
                    break
                }
                for (capture, packets) in results {
                    for packet in packets { ours.insert("\(capture)/\(packet["Id"] as? Int ?? -1)") }
                }
                guard (list["Returned"] as? Int ?? 0) > 0 else { break }
                afterCapture = list["LastCaptureId"] as? Int ?? 0
                after = list["LastId"] as? Int ?? 0
            }
            var theirs = Set<String>()
            for capture in captures {
                for frame in Self.tshark(capture.path, filter) { theirs.insert("\(capture.id)/\(frame)") }
            }
            let missing = theirs.subtracting(ours).sorted().prefix(5), extra = ours.subtracting(theirs).sorted().prefix(5)
            #expect(missing.isEmpty && extra.isEmpty,
                    "\(query) vs tshark '\(filter)': \(ours.count) vs \(theirs.count); missing \(missing), extra \(extra)")
            print("search equivalence `\(query)`: \(ours.count) packets, tshark \(theirs.count)")
            compared += theirs.count
        }
        #expect(compared > 500)
        try l7FlowsEqualTsharkFlows(system, captures)
        windowedSearchesEqualTshark(system, captures)
        try resultsExportAsPcap(system)
        backgroundSearchesEqualWaitedOnes(system)

        // Errors point at the query; the service keeps answering.
        let bad = system.api("/search?q=port%20%3D%2080", key: system.adminKey)
        #expect(bad.status == 400 && (bad.body["ReturnValue"] as? String ?? "").contains("at 5"))
        let syntax = system.api("/search/syntax?q=tcp%20and%20port%20in%20%7B1,2..5%7D", key: system.adminKey)
        #expect((syntax.body["ReturnValue"] as? [String: Any])?["Filter"] as? String == "tcp && port in {1, 2..5}")
        let long = String(repeating: "tcp%20||%20", count: 600) + "udp"
        #expect(system.api("/search?q=\(long)", key: system.adminKey).status == 400)
        let flows = system.run(["search", "tcp && port == 80", "--as", "flows", "--data", system.data, "--json"])
        #expect(flows.status == 0 && !flows.stdout.isEmpty, "\(flows)")
        #expect(system.api("/captures", key: system.adminKey).status == 200)
    }

    /// (NetSift query on application-layer fields, the tshark display filter that finds the same field).
    static let applicationEquivalents: [(String, String)] = [
        ("dns.question.name endswith \".com\"", "dns.qry.name matches \"\\\\.com$\""),
        ("dns.question.type in {MX, HTTPS}", "dns.qry.type in {15, 65}"),
        ("http.request.method == GET", "http.request.method == \"GET\""),
        ("http.status in {200..299}", "http.response.code >= 200 && http.response.code <= 299"),
        ("user_agent.original contains \"Mozilla\"", "http.user_agent contains \"Mozilla\""),
        ("sni exists", "tls.handshake.extensions_server_name"),
        ("ja3 exists", "tls.handshake.ja3"),
        ("dhcp.hostname exists", "dhcp.option.hostname"),
    ]

    /// An L7 predicate selects flows: those NetSift returns are the flows
    /// holding a packet in which tshark finds the field.
    func l7FlowsEqualTsharkFlows(_ system: NetSiftSystem, _ captures: [(id: UInt64, path: String)]) throws {
        let db = try system.database()
        var compared = 0
        for (query, filter) in Self.applicationEquivalents {
            var ours = Set<Int>()
            var after = 0
            while true {
                let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
                let page = system.api("/search?q=\(encoded)&as=flows&limit=1000&after=\(after)", key: system.adminKey)
                guard let list = page.body["ReturnValue"] as? [String: Any], let items = list["Items"] as? [[String: Any]] else {
                    Issue.record("\(query): \(page.status) \(page.body)")
                    break
                }
                ours.formUnion(items.compactMap { $0["Id"] as? Int })
                guard !items.isEmpty else { break }
                after = list["LastId"] as? Int ?? 0
            }
            var theirs = Set<Int>()
            for capture in captures {
                // A response head counts once read, as NetSift reports it, not only once its whole body arrived.
                let frames = TShark.fields(capture.path, ["frame.number"], filter: filter,
                                           extra: ["-o", "http.desegment_body:FALSE"]).compactMap { Int($0.first ?? "") }
                guard !frames.isEmpty else { continue }
                let wanted = Set(frames.map(UInt64.init))
                let keys = try StoredPackets.all(db, pcapRoot: system.pcapRoot, capture: UInt64(capture.id))
                    .filter { wanted.contains($0.entry.frameNumber) }.compactMap(\.entry.flowKey)
                let rows = try db.query("SELECT f.id FROM flows f WHERE f.capture_id = $1 AND f.flow_key = ANY($2::bigint[])",
                                        [Int64(capture.id), "{" + keys.map { String(Int64(bitPattern: $0)) }.joined(separator: ",") + "}"])
                theirs.formUnion(rows.rows.compactMap { $0[0].flatMap { Int($0) } })
            }
            let missing = theirs.subtracting(ours).sorted().prefix(5), extra = ours.subtracting(theirs).sorted().prefix(5)
            #expect(missing.isEmpty && extra.isEmpty,
                    "\(query) vs tshark '\(filter)': \(ours.count) vs \(theirs.count) flows; missing \(missing), extra \(extra)")
            print("search equivalence `\(query)`: \(ours.count) flows, tshark \(theirs.count)")
            compared += theirs.count
        }
        #expect(compared > 20)
    }

    /// A time window keeps the packets whose time is in it, as tshark's `frame.time_epoch` does.
    func windowedSearchesEqualTshark(_ system: NetSiftSystem, _ captures: [(id: UInt64, path: String)]) {
        let (start, end) = ("2014-01-01T00:00:00Z", "2016-01-01T00:00:00Z")
        var ours = Set<String>()
        var afterCapture = 0, after = 0
        while true {
            let page = system.api("/search?q=tcp&start=\(start)&end=\(end)&limit=1000&after_capture=\(afterCapture)&after=\(after)",
                                  key: system.adminKey)
            guard let list = page.body["ReturnValue"] as? [String: Any],
                  let results = list["Results"] as? [String: [[String: Any]]] else {
                Issue.record("window: \(page.status) \(page.body)")
                return
            }
            for (capture, packets) in results {
                for packet in packets { ours.insert("\(capture)/\(packet["Id"] as? Int ?? -1)") }
            }
            guard (list["Returned"] as? Int ?? 0) > 0 else { break }
            afterCapture = list["LastCaptureId"] as? Int ?? 0
            after = list["LastId"] as? Int ?? 0
        }
        var theirs = Set<String>()
        for capture in captures {
            for frame in Self.tshark(capture.path, "tcp && frame.time_epoch >= 1388534400 && frame.time_epoch < 1451606400") {
                theirs.insert("\(capture.id)/\(frame)")
            }
        }
        #expect(ours == theirs && !ours.isEmpty, "window: \(ours.count) vs tshark \(theirs.count)")
        print("search equivalence `tcp` from \(start) to \(end): \(ours.count) packets, tshark \(theirs.count)")
        #expect(system.api("/search?q=tcp&last=15x", key: system.adminKey).status == 400)
        #expect(system.api("/search?q=tcp&start=\(end)&end=\(start)", key: system.adminKey).status == 400)
        let recent = system.run(["search", "tcp", "--last", "1h", "--data", system.data, "--json"])
        #expect(recent.status == 0 && recent.stdout.isEmpty, "captures are years old: \(recent)")
    }

    /// `/search/pcap`: a result's frames as one file in time order, the
    /// same frames the search returns (packets), or every frame of the
    /// flows it finds (flows and events).
    func resultsExportAsPcap(_ system: NetSiftSystem) throws {
        let scratch = system.data + "/downloads"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        func all(_ query: String, _ parameters: String) -> [[String: Any]] {
            var items: [[String: Any]] = []
            var afterCapture = 0, after = 0
            while true {
                let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
                let page = system.api("/search?q=\(encoded)&\(parameters)&limit=1000&after_capture=\(afterCapture)&after=\(after)",
                                      key: system.adminKey)
                guard let list = page.body["ReturnValue"] as? [String: Any] else { return items }
                let found = (list["Items"] as? [[String: Any]])
                    ?? (list["Results"] as? [String: [[String: Any]]] ?? [:]).values.flatMap { $0 }
                items += found
                guard !found.isEmpty else { return items }
                afterCapture = list["LastCaptureId"] as? Int ?? 0
                after = list["LastId"] as? Int ?? 0
            }
        }
        for (index, (query, parameters)) in [("port == 53 || tls", "as=packets"), ("http", "as=flows"),
                                             ("dns.question.name endswith \".com\"", "as=events&dataset=dns")].enumerated() {
            let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
            let file = scratch + "/export-\(index).pcap"
            #expect(system.download("/search/pcap?q=\(encoded)&\(parameters)", key: system.adminKey, to: file) == 200)
            // tshark reads it (libpcap refuses pcapng whose link types mix, as these captures' do).
            let frames = TSharkFrames(file).hex.sorted { $0.key < $1.key }.map(\.value)
            let times = TShark.fields(file, ["frame.time_epoch"]).compactMap { Double($0.first ?? "") }
            #expect(times == times.sorted() && times.count == frames.count, "\(query): time order")
            let expected: Int
            switch parameters {
            case "as=packets":
                let packets = all(query, parameters)
                #expect(frames.sorted() == packets.compactMap { $0["HexBytes"] as? String }.sorted(),
                        "\(query): the searched packets")
                expected = packets.count
            case "as=flows":
                expected = all(query, parameters).reduce(0) { $0 + ($1["SrcPackets"] as? Int ?? 0) + ($1["DstPackets"] as? Int ?? 0) }
            default:
                let flows = Set(all(query, parameters).compactMap { ($0["flow"] as? [String: Any])?["id"] as? String }
                    .compactMap { UInt64($0, radix: 16) })
                expected = try StoredPackets.all(try system.database(), pcapRoot: system.pcapRoot)
                    .count { $0.entry.flowKey.map(flows.contains) ?? false }
            }
            #expect(frames.count == expected && expected > 0, "\(query) \(parameters): \(frames.count) frames, expected \(expected)")
            print("search export `\(query)` \(parameters): \(frames.count) frames")
            try exportFileEqualsDownload(system, query: encoded, parameters: parameters, downloaded: file, frames: frames.count)
        }
        #expect(system.download("/search/pcap?q=port%20%3D%2080", key: system.adminKey, to: scratch + "/bad.pcap") == 400)
        #expect(system.api("/exports?q=port%20%3D%2080", key: system.adminKey, method: "POST").status == 400)
        for name in ["..%2Fnetsift.json", "netsift-search-1-a.pcap", "%2Fetc%2Fpasswd", ".netsift-search-1-a.pcap.partial"] {
            #expect(system.api("/exports/\(name)", key: system.adminKey).status == 404, "\(name)")
        }
    }

    /// EXPORTFILE: `POST /exports` writes the bytes `/search/pcap` streams,
    /// lists it, serves it back by its RelativePath, and removes it.
    func exportFileEqualsDownload(_ system: NetSiftSystem, query: String, parameters: String, downloaded: String,
                                  frames: Int) throws {
        let made = system.api("/exports?q=\(query)&\(parameters)", key: system.adminKey, method: "POST")
        guard let export = made.body["ReturnValue"] as? [String: Any], let name = export["RelativePath"] as? String,
              let path = export["FileName"] as? String else {
            Issue.record("POST /exports: \(made)")
            return
        }
        let expected = try Data(contentsOf: URL(fileURLWithPath: downloaded))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == expected, "\(name) = /search/pcap's bytes")
        #expect(path == system.data + "/exports/" + name && export["Version"] as? Int == 1)
        #expect(export["Packets"] as? Int == frames && export["Bytes"] as? Int == expected.count)
        let listed = system.api("/exports", key: system.adminKey).body["ReturnValue"] as? [String: Any]
        #expect((listed?["Items"] as? [[String: Any]] ?? []).contains { $0["RelativePath"] as? String == name })
        let again = system.data + "/downloads/again.pcap"
        #expect(system.download("/exports/\(name)", key: system.adminKey, to: again) == 200)
        #expect(try Data(contentsOf: URL(fileURLWithPath: again)) == expected)
        #expect(system.api("/exports/\(name)", key: system.adminKey, method: "DELETE").status == 200)
        #expect(system.api("/exports/\(name)", key: system.adminKey).status == 404)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    /// A background search (POST /searches) finds what the same search run
    /// while the request waits finds, paged by ordinal.
    func backgroundSearchesEqualWaitedOnes(_ system: NetSiftSystem) {
        func ids(_ items: [[String: Any]], _ target: String) -> [String] {
            items.map { item in
                switch target {
                case "events": "\(((item["netsift"] as? [String: Any])?["event"] as? Int) ?? -1)"
                case "flows": "\(item["Id"] as? Int ?? -1)"
                default: "\(item["CaptureId"] as? Int ?? -1)/\(item["Id"] as? Int ?? -1)"
                }
            }
        }
        func items(_ list: [String: Any]) -> [[String: Any]] {
            if let items = list["Items"] as? [[String: Any]] { return items }
            let results = list["Results"] as? [String: [[String: Any]]] ?? [:]
            return results.keys.sorted { Int($0) ?? 0 < Int($1) ?? 0 }.flatMap { capture in
                (results[capture] ?? []).map { $0.merging(["CaptureId": Int(capture) ?? 0]) { a, _ in a } }
            }
        }
        for (query, parameters) in [("port == 53 || tls", "as=packets"), ("http || dns", "as=flows"),
                                    ("dns.question.name endswith \".com\"", "as=events&dataset=dns")] {
            let target = parameters.hasPrefix("as=events") ? "events" : String(parameters.dropFirst(3))
            let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
            let started = system.api("/searches?q=\(encoded)&\(parameters)", key: system.adminKey, method: "POST")
            guard let meta = started.body["ReturnValue"] as? [String: Any], let id = meta["Id"] as? Int else {
                Issue.record("\(query): \(started)")
                continue
            }
            #expect([0, 1, 2].contains(meta["Status"] as? Int ?? -1) && meta["Target"] as? String == target)
            var status: [String: Any] = [:]
            for _ in 0 ..< 200 {
                status = system.api("/searches/\(id)", key: system.adminKey).body["ReturnValue"] as? [String: Any] ?? [:]
                if status["Status"] as? Int == 1 { break }
                Thread.sleep(forTimeInterval: 0.1)
            }
            #expect(status["Status"] as? Int == 1 && status["ErrorCode"] as? Int == 0, "\(query): \(status)")
            var background: [String] = []
            var after = 0
            while true {
                let page = system.api("/searches/\(id)/results?after=\(after)&limit=7", key: system.adminKey)
                guard let list = page.body["ReturnValue"] as? [String: Any] else { break }
                let found = items(list)
                #expect(list["SearchId"] as? Int == id && list["Total"] as? Int == status["FoundCount"] as? Int)
                background += ids(found, target)
                guard !found.isEmpty, let last = list["LastId"] as? Int else { break }
                #expect(last == after + found.count, "ordinals are dense")
                after = last
            }
            var waited: [String] = []
            var afterCapture = 0
            after = 0
            while true {
                let page = system.api("/search?q=\(encoded)&\(parameters)&limit=1000&after_capture=\(afterCapture)&after=\(after)",
                                      key: system.adminKey)
                guard let list = page.body["ReturnValue"] as? [String: Any] else { break }
                let found = items(list)
                waited += ids(found, target)
                guard !found.isEmpty else { break }
                afterCapture = list["LastCaptureId"] as? Int ?? 0
                after = list["LastId"] as? Int ?? 0
            }
            #expect(background == waited && !waited.isEmpty && status["FoundCount"] as? Int == waited.count,
                    "\(query) \(parameters): \(background.count) in the background, \(waited.count) waited")
            print("background search `\(query)` \(parameters): \(background.count) results")
            // DELETE of a finished search removes it: its SEARCHMETA as it was, then 404.
            let deleted = system.api("/searches/\(id)", key: system.adminKey, method: "DELETE")
            #expect((deleted.body["ReturnValue"] as? [String: Any])?["Status"] as? Int == 1)
            #expect(system.api("/searches/\(id)/results", key: system.adminKey).status == 404)
        }
        #expect(system.api("/searches?q=port%20%3D%2080", key: system.adminKey, method: "POST").status == 400)
        #expect(system.api("/searches/999999", key: system.adminKey).status == 404)
        #expect(system.api("/searches/999999/results", key: system.adminKey).status == 404)
    }

    /// With no runner a search stays queued; cancelling it stops it for good.
    @Test func queuedSearchesCanBeCancelled() throws {
        let system = try NetSiftSystem(decoders: 1, environment: ["NETSIFT_SEARCH_SEARCH_RUNNERS": "0"])
        defer { system.shutdown() }
        let started = system.api("/searches?q=tcp", key: system.adminKey, method: "POST")
        let id = (started.body["ReturnValue"] as? [String: Any])?["Id"] as? Int ?? -1
        #expect((started.body["ReturnValue"] as? [String: Any])?["Status"] as? Int == 0, "\(started)")
        let cancelled = system.api("/searches/\(id)", key: system.adminKey, method: "DELETE")
        #expect((cancelled.body["ReturnValue"] as? [String: Any])?["Status"] as? Int == 4, "\(cancelled)")
        let results = system.api("/searches/\(id)/results", key: system.adminKey).body["ReturnValue"] as? [String: Any]
        #expect(results?["Status"] as? Int == 4 && results?["Returned"] as? Int == 0)
    }

    /// A background search that runs too long is stopped by the statement
    /// timeout with a clear error, a running one can be cancelled, and search
    /// keeps answering meanwhile. The runner is held deterministically: a
    /// transaction of the test locks `search_results`, so its insert waits.
    @Test func runningSearchesTimeOutOrAreCancelled() throws {
        // Exports must leave ~1 PB free: none can start.
        let system = try NetSiftSystem(decoders: 1, environment: ["NETSIFT_SEARCH_SEARCH_TIMEOUT_SECONDS": "1",
                                                                  "NETSIFT_GATEWAY_EXPORTS_MIN_FREE_MB": "1000000000"])
        defer { system.shutdown() }
        let path = system.data + "/small.pcap"
        try SyntheticCapture.write(to: path, flows: 5, packetsPerFlow: 4, seconds: 1)
        #expect(system.ingest(path).status == 0)
        let lock = try system.database()
        func meta(_ id: Int, until done: (Int) -> Bool) -> [String: Any] {
            var meta: [String: Any] = [:]
            for _ in 0 ..< 300 {
                meta = system.api("/searches/\(id)", key: system.adminKey).body["ReturnValue"] as? [String: Any] ?? [:]
                if done(meta["Status"] as? Int ?? -1) { break }
                Thread.sleep(forTimeInterval: 0.05)
            }
            return meta
        }
        func start() -> Int {
            let started = system.api("/searches?q=ip&as=packets", key: system.adminKey, method: "POST")
            return (started.body["ReturnValue"] as? [String: Any])?["Id"] as? Int ?? -1
        }

        try lock.execute("BEGIN")
        try lock.execute("LOCK TABLE search_results IN ACCESS EXCLUSIVE MODE")
        let slow = start()
        #expect(meta(slow) { $0 == 2 }["Status"] as? Int == 2, "running")
        let waited = system.api("/search?q=ip&as=packets", key: system.adminKey)
        #expect(waited.status == 200 && (waited.body["ReturnValue"] as? [String: Any])?["Returned"] as? Int == 20,
                "a waited search is answered while a background one hangs")
        let failed = meta(slow) { $0 == 3 }
        #expect(failed["Status"] as? Int == 3 && failed["ErrorCode"] as? Int == 1, "\(failed)")
        #expect((failed["Error"] as? String ?? "").contains("longer than 1 s"), "\(failed)")

        let cancelled = start()
        #expect(meta(cancelled) { $0 == 2 }["Status"] as? Int == 2, "running")
        let answer = system.api("/searches/\(cancelled)", key: system.adminKey, method: "DELETE")
        #expect((answer.body["ReturnValue"] as? [String: Any])?["Status"] as? Int == 4, "\(answer)")
        try lock.execute("ROLLBACK")
        Thread.sleep(forTimeInterval: 0.5)
        let after = system.api("/searches/\(cancelled)/results", key: system.adminKey).body["ReturnValue"] as? [String: Any]
        #expect(after?["Status"] as? Int == 4 && after?["Returned"] as? Int == 0, "\(String(describing: after))")

        let fresh = start()
        let done = meta(fresh) { $0 == 1 }
        #expect(done["Status"] as? Int == 1 && done["FoundCount"] as? Int == 20, "the runner goes on: \(done)")

        // An export that would leave less than exports_min_free_mb free is refused (why: in the
        // gateway's log, under the request id) and leaves no file.
        let full = system.api("/exports?q=ip", key: system.adminKey, method: "POST")
        #expect(full.status == 500 && "\(full.body)".contains("internal error; request id"), "\(full)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: system.data + "/exports")) ?? []).isEmpty)
    }

    static func tshark(_ path: String, _ filter: String) -> [Int] {
        TShark.fields(path, ["frame.number"], filter: filter).compactMap { Int($0.first ?? "") }
    }
}
