import Foundation
import Testing
import TestSupport

/// Application-layer events through the real processes: sensor → two
/// decoders (the application layer) → storage (events tables) → search →
/// gateway, against what `netsift dump --json` prints for the same files.
@Suite(.serialized, .enabled(if: NetSiftSystem.available && SharedCaptures.available
                             && FileManager.default.isExecutableFile(atPath: "/usr/bin/curl"), NetSiftSystem.skipMessage))
struct EventsSystemTests {
    /// Every event of a listing, a page at a time.
    static func allEvents(_ system: NetSiftSystem, _ path: String, limit: Int = 7) -> [[String: Any]] {
        var events: [[String: Any]] = []
        var after = 0
        while true {
            let separator = path.contains("?") ? "&" : "?"
            let page = system.api("\(path)\(separator)after=\(after)&limit=\(limit)", key: system.adminKey)
            guard page.status == 200, let list = page.body["ReturnValue"] as? [String: Any],
                  let items = list["Items"] as? [[String: Any]], let last = list["LastId"] as? Int else {
                Issue.record("\(path) after \(after): \(page.status) \(page.body)")
                return events
            }
            events += items
            if items.isEmpty { return events }
            after = last
        }
    }

    /// A document with sorted keys, `netsift.event` dropped and the capture
    /// set, for comparing. The flow id is dropped too: flow keys are salted
    /// with the capture id, which differs between dump and storage.
    static func canonical(_ document: [String: Any], capture: Int) -> String? {
        var document = document
        document["flow"] = nil
        var netsift = document["netsift"] as? [String: Any] ?? [:]
        netsift["event"] = nil
        netsift["capture"] = capture
        document["netsift"] = netsift
        guard let data = try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// The L7 objects `netsift dump --json` prints for one file.
    static func dumped(_ system: NetSiftSystem, _ path: String, capture: Int) -> [String] {
        system.run(["dump", "--json", path]).stdout.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let dataset = (object["event"] as? [String: Any])?["dataset"] as? String,
                  dataset != "packet" && dataset != "flow" else { return nil }
            return canonical(object, capture: capture)
        }
    }

    @Test func storedEventsEqualTheDumpAndListByFlowAndDataset() throws {
        let system = try NetSiftSystem(decoders: 2)
        defer { system.shutdown() }
        var total = 0
        var datasets = Set<String>()
        var byID: [Int: [String: Any]] = [:]
        for folder in ["dns", "http", "tls", "dhcp", "icmp"] {
            for capture in NetSiftSystem.captures(in: system.ingest(SharedCaptures.path(folder)).stdout) {
                let name = (capture.path as NSString).lastPathComponent
                let listed = Self.allEvents(system, "/captures/\(capture.id)/events")
                let ids = listed.compactMap { ($0["netsift"] as? [String: Any])?["event"] as? Int }
                #expect(ids.count == listed.count && ids == ids.sorted() && Set(ids).count == ids.count, "\(name) ids")
                let stored = listed.compactMap { Self.canonical($0, capture: Int(capture.id)) }.sorted()
                let expected = Self.dumped(system, capture.path, capture: Int(capture.id)).sorted()
                #expect(stored == expected, "\(name): stored events differ from netsift dump --json")
                total += stored.count
                for event in listed {
                    if let id = (event["netsift"] as? [String: Any])?["event"] as? Int { byID[id] = event }
                }
                datasets.formUnion(listed.compactMap { ($0["event"] as? [String: Any])?["dataset"] as? String })

                // By dataset and by flow, every event once.
                var byDataset = 0
                for dataset in ["dns", "http", "tls", "dhcp", "icmp"] {
                    let some = Self.allEvents(system, "/captures/\(capture.id)/events?dataset=\(dataset)", limit: 1000)
                    #expect(some.allSatisfy { ($0["event"] as? [String: Any])?["dataset"] as? String == dataset })
                    byDataset += some.count
                }
                #expect(byDataset == listed.count, "\(name) by dataset")
                let flows = system.api("/captures/\(capture.id)/flows?limit=1000", key: system.adminKey)
                    .body["ReturnValue"] as? [String: Any]
                var byFlow: [Int] = []
                for flow in flows?["Items"] as? [[String: Any]] ?? [] {
                    guard let id = flow["Id"] as? Int else { continue }
                    let own = Self.allEvents(system, "/flows/\(id)/events", limit: 1000)
                    #expect(own.allSatisfy { ($0["network"] as? [String: Any])?["community_id"] as? String
                        == flow["CommunityId"] as? String }, "\(name) flow \(id)")
                    #expect(Set(own.compactMap { ($0["flow"] as? [String: Any])?["id"] as? String }).count <= 1,
                            "\(name) flow \(id): one flow id")
                    byFlow += own.compactMap { ($0["netsift"] as? [String: Any])?["event"] as? Int }
                }
                #expect(byFlow.sorted() == ids.sorted(), "\(name) by flow")
            }
        }
        #expect(total > 50)
        #expect(datasets == ["dns", "http", "tls", "dhcp", "icmp"])

        // Events searches: the table's own fields test each event, the rest its flow.
        func member(_ event: [String: Any], _ path: String) -> Any? {
            var value: Any? = event
            for key in path.split(separator: ".") { value = (value as? [String: Any])?[String(key)] }
            return value
        }
        let searches: [(String, String, ([String: Any]) -> Bool)] = [
            ("dns", "dns.question.name endswith \".com\"",
             { (member($0, "dns.question.name") as? String)?.hasSuffix(".com") == true }),
            ("http", "http.status == 200 && tcp", { member($0, "http.response.status_code") as? Int == 200 }),
            ("tls", "tls.version == \"1.2\" || ja4 startswith t13", {
                member($0, "tls.version") as? String == "1.2" || (member($0, "tls.client.ja4") as? String)?.hasPrefix("t13") == true
            }),
        ]
        for (dataset, query, matches) in searches {
            let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
            let found = Self.allEvents(system, "/search?as=events&dataset=\(dataset)&q=\(encoded)")
                .compactMap { member($0, "netsift.event") as? Int }
            let expected = byID.filter { member($0.value, "event.dataset") as? String == dataset && matches($0.value) }.keys
            #expect(found == found.sorted() && Set(found) == Set(expected) && !found.isEmpty,
                    "\(query): \(found.count) events, expected \(expected.count)")
            let lines = system.run(["search", query, "--as", "events", "--dataset", dataset, "--data", system.data, "--json"])
            #expect(lines.stdout.split(separator: "\n").count == found.count, "\(query) through netsift search")
        }
        #expect(system.api("/search?as=events&q=dns", key: system.adminKey).status == 400)

        // Bad requests.
        #expect(system.api("/captures/1/events?dataset=ftp", key: system.adminKey).status == 400)
        #expect(system.api("/captures/1/events?after=-1", key: system.adminKey).status == 400)
        #expect(system.api("/captures/999999/events", key: system.adminKey).status == 404)
        #expect(system.api("/flows/999999/events", key: system.adminKey).status == 404)
        #expect(system.api("/captures/1/events", key: nil).status == 401)
    }

    /// The decoders' settings carry Packetbeat's options per protocol (`<protocol>_<option>`).
    @Test func decoderSettingsChooseTheProtocols() throws {
        let system = try NetSiftSystem(decoders: 1, environment: ["NETSIFT_DECODER_HTTP_ENABLED": "false",
                                                                  "NETSIFT_DECODER_DHCP_ENABLED": "false",
                                                                  "NETSIFT_DECODER_TLS_PORTS": "8443",
                                                                  "NETSIFT_DECODER_DNS_TAGS": "lab,resolver",
                                                                  "NETSIFT_DECODER_DNS_SEND_REQUEST": "true",
                                                                  "NETSIFT_DECODER_L7_SNIFFING": "false"])
        defer { system.shutdown() }
        var datasets: [String: Int] = [:]
        for folder in ["dns", "http", "tls"] {
            for capture in NetSiftSystem.captures(in: system.ingest(SharedCaptures.path(folder)).stdout) {
                for event in Self.allEvents(system, "/captures/\(capture.id)/events", limit: 1000) {
                    datasets[(event["event"] as? [String: Any])?["dataset"] as? String ?? "?", default: 0] += 1
                    #expect(event["tags"] as? [String] == ["lab", "resolver"], "\(event)")
                    #expect((event["request"] as? String)?.contains("QUESTION") == true || event["request"] == nil)
                }
            }
        }
        // DNS on its default port 53; TLS only on 8443, which no capture uses; HTTP off.
        #expect(Array(datasets.keys) == ["dns"], "\(datasets)")
        #expect(datasets["dns", default: 0] >= 5)
    }
}
