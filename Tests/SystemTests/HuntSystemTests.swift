import Foundation
import Testing
import TestSupport

/// Hunts through the real processes: saved through the gateway, run by
/// search (on demand and by its scheduler) over what storage commits.
@Suite(.serialized, .enabled(if: NetSiftSystem.available && SharedCaptures.available, NetSiftSystem.skipMessage))
struct HuntSystemTests {
    /// (name, query, parameters): each kind of hunt the session semantics cover.
    static let hunts: [(name: String, query: String, parameters: String)] = [
        ("web", "tcp && port == 80", "as=flows"),
        ("big", "packet.size > 1000", "as=packets"),
        ("dns-com", "dns.question.name endswith \".com\"", "as=events&dataset=dns"),
    ]

    static func encoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    /// The flow ids a waited search selects: its flows, the flows of its
    /// packets, or (for an events hunt) the flows carrying its events, which
    /// a flows search of a query on one protocol's fields returns.
    static func searchedFlows(_ system: NetSiftSystem, _ query: String, _ parameters: String) -> Set<Int> {
        let target = parameters.hasPrefix("as=packets") ? "packets" : "flows"
        var found = Set<Int>()
        var afterCapture = 0, after = 0
        while true {
            let page = system.api("/search?q=\(encoded(query))&as=\(target)&limit=1000&after_capture=\(afterCapture)&after=\(after)",
                                  key: system.adminKey)
            guard let list = page.body["ReturnValue"] as? [String: Any] else {
                Issue.record("\(query): \(page.status) \(page.body)")
                return found
            }
            let items = (list["Items"] as? [[String: Any]])
                ?? (list["Results"] as? [String: [[String: Any]]] ?? [:]).values.flatMap { $0 }
            found.formUnion(items.compactMap { ($0[target == "packets" ? "ConnectionId" : "Id"] as? Int) }.filter { $0 != 0 })
            guard !items.isEmpty else { return found }
            afterCapture = list["LastCaptureId"] as? Int ?? 0
            after = list["LastId"] as? Int ?? 0
        }
    }

    /// A hunt's matches in order, paged by ordinal.
    static func matches(_ system: NetSiftSystem, _ id: Int, after start: Int = 0) -> [Int] {
        var ids: [Int] = []
        var after = start
        while true {
            let page = system.api("/hunts/\(id)/matches?after=\(after)&limit=7", key: system.adminKey)
            guard let list = page.body["ReturnValue"] as? [String: Any], let items = list["Items"] as? [[String: Any]] else {
                Issue.record("matches of \(id): \(page.status) \(page.body)")
                return ids
            }
            ids += items.compactMap { $0["Id"] as? Int }
            guard let last = list["LastId"] as? Int, last > after else { return ids }
            #expect(last == after + items.count, "ordinals are dense")
            after = last
        }
    }

    @Test func huntsRecordTheFlowsOfNewlyStoredData() throws {
        let system = try NetSiftSystem(decoders: 2)
        defer { system.shutdown() }
        let key = system.adminKey
        #expect(system.api("/hunts", key: nil).status == 401)
        #expect(system.api("/hunts?name=x&q=tcp", key: nil, method: "POST").status == 401)
        #expect(system.api("/hunts/1/run", key: String(repeating: "0", count: 64), method: "POST").status == 401)
        let bad = system.api("/hunts?name=bad&q=port%20%3D%2080&as=flows", key: key, method: "POST")
        #expect(bad.status == 400 && (bad.body["ReturnValue"] as? String ?? "").contains("at 5"), "\(bad)")
        #expect(system.api("/hunts?name=x&q=tcp&as=events", key: key, method: "POST").status == 400)
        #expect(system.api("/hunts?name=x&q=tcp&interval=soon", key: key, method: "POST").status == 400)

        // Saved before any traffic, with an interval no test waits for: they run when asked.
        var ids: [String: Int] = [:]
        for hunt in Self.hunts {
            let saved = system.api("/hunts?name=\(hunt.name)&q=\(Self.encoded(hunt.query))&\(hunt.parameters)&interval=1d",
                                   key: key, method: "POST")
            let object = saved.body["ReturnValue"] as? [String: Any]
            #expect(saved.status == 200 && object?["Interval"] as? Int == 86_400 && object?["Enabled"] as? Bool == true,
                    "\(saved)")
            ids[hunt.name] = object?["Id"] as? Int
        }
        #expect(system.api("/hunts?name=web&q=udp", key: key, method: "POST").status == 400, "names are unique")

        var before: [String: Set<Int>] = [:]
        for (round, folder) in ["dns", "http"].enumerated() {
            let ingest = system.ingest(SharedCaptures.path(folder))
            #expect(ingest.status == 0 && !NetSiftSystem.captures(in: ingest.stdout).isEmpty, "\(ingest)")
            for hunt in Self.hunts {
                guard let id = ids[hunt.name] else { continue }
                let ran = system.api("/hunts/\(id)/run", key: key, method: "POST").body["ReturnValue"] as? [String: Any]
                #expect(ran?["LastError"] == nil && ran?["DTGLastRun"] as? Int != 0, "\(hunt.name): \(ran ?? [:])")
                let searched = Self.searchedFlows(system, hunt.query, hunt.parameters)
                let old = before[hunt.name] ?? []
                let added = Self.matches(system, id, after: old.count)
                let all = Self.matches(system, id)
                #expect(Set(added) == searched.subtracting(old) && added.count == Set(added).count,
                        "\(hunt.name) after \(folder): only the new flows, once: \(added.count) added, \(searched.count - old.count) new")
                #expect(all.count == searched.count && Set(all) == searched && ran?["MatchedCount"] as? Int == all.count,
                        "\(hunt.name) after \(folder): \(all.count) matched, search finds \(searched.count)")
                #expect(round == 0 || searched.count >= old.count)
                print("hunt \(hunt.name) after \(folder): \(added.count) flows added, \(all.count) in all")
                before[hunt.name] = searched
            }
        }
        #expect(before.values.allSatisfy { !$0.isEmpty }, "every hunt matched something: \(before.mapValues(\.count))")
        #expect(Self.matches(system, ids["web"] ?? 0).count == before["web"]?.count, "running again adds nothing")

        // The scheduler runs a new hunt at once, then every interval.
        let udp = system.api("/hunts?name=udp&q=udp&as=flows&interval=1h", key: key, method: "POST")
        let udpID = (udp.body["ReturnValue"] as? [String: Any])?["Id"] as? Int ?? 0
        let expected = Self.searchedFlows(system, "udp", "as=flows")
        var scheduled: [String: Any] = [:]
        for _ in 0 ..< 100 {
            scheduled = system.api("/hunts/\(udpID)", key: key).body["ReturnValue"] as? [String: Any] ?? [:]
            if scheduled["DTGLastRun"] as? Int != 0 { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(scheduled["MatchedCount"] as? Int == expected.count && !expected.isEmpty, "\(scheduled)")
        #expect(Set(Self.matches(system, udpID)) == expected)

        // PATCH, list, delete (its matches go with it).
        let patched = system.api("/hunts/\(udpID)?enabled=false&interval=90s", key: key, method: "PATCH")
        let patchedHunt = patched.body["ReturnValue"] as? [String: Any]
        #expect(patchedHunt?["Enabled"] as? Bool == false && patchedHunt?["Interval"] as? Int == 90, "\(patched)")
        #expect(system.api("/hunts/\(udpID)", key: key, method: "PATCH").status == 400)
        #expect(system.api("/hunts/\(udpID)?enabled=maybe", key: key, method: "PATCH").status == 400)
        let listed = (system.api("/hunts", key: key).body["ReturnValue"] as? [String: Any])?["Items"] as? [[String: Any]]
        #expect(listed?.compactMap { $0["Name"] as? String } == ["web", "big", "dns-com", "udp"])
        let db = try system.database()
        #expect(try db.query("SELECT count(*) FROM hunt_matches WHERE hunt_id = $1", [Int64(udpID)]).scalar == "\(expected.count)")
        #expect(system.api("/hunts/\(udpID)", key: key, method: "DELETE").status == 200)
        #expect(system.api("/hunts/\(udpID)", key: key).status == 404)
        #expect(system.api("/hunts/\(udpID)/matches", key: key).status == 404)
        #expect(system.api("/hunts/\(udpID)/run", key: key, method: "POST").status == 404)
        #expect(try db.query("SELECT count(*) FROM hunt_matches WHERE hunt_id = $1", [Int64(udpID)]).scalar == "0")
        #expect(system.api("/hunts/\(udpID)", key: key, method: "PUT").status == 405)

        try commandLine(system, web: before["web"] ?? [])
    }

    /// `netsift hunt` against the same deployment.
    func commandLine(_ system: NetSiftSystem, web: Set<Int>) throws {
        let added = system.run(["hunt", "add", "dhcp", "dhcp", "--as", "flows", "--interval", "1d", "--data", system.data])
        #expect(added.status == 0 && added.stdout.contains("dhcp"), "\(added)")
        let listed = system.run(["hunt", "list", "--data", system.data])
        #expect(listed.status == 0 && listed.stdout.contains("web\tflows\t86400s\tyes"), "\(listed)")
        let ran = system.run(["hunt", "run", "web", "--data", system.data])
        #expect(ran.status == 0 && ran.stdout.contains("\(web.count) flows matched"), "\(ran)")
        let matches = system.run(["hunt", "matches", "web", "--json", "--data", system.data])
        let flows = matches.stdout.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
        #expect(matches.status == 0 && Set(flows.compactMap { $0["Id"] as? Int }) == web, "\(matches)")
        #expect(system.run(["hunt", "add", "bad", "port = 80", "--data", system.data]).status != 0)
        let disabled = system.run(["hunt", "disable", "dhcp", "--data", system.data])
        #expect(disabled.status == 0 && disabled.stdout.contains("disabled"), "\(disabled)")
        #expect(system.run(["hunt", "list", "--data", system.data]).stdout.contains("dhcp\tflows\t86400s\tno"))
        let enabled = system.run(["hunt", "enable", "dhcp", "--interval", "2h", "--data", system.data])
        #expect(enabled.status == 0 && enabled.stdout.contains("enabled, every 7200 s"), "\(enabled)")
        #expect(system.run(["hunt", "list", "--data", system.data]).stdout.contains("dhcp\tflows\t7200s\tyes"))
        #expect(system.run(["hunt", "enable", "dhcp", "--interval", "soon", "--data", system.data]).status != 0)
        #expect(system.run(["hunt", "remove", "dhcp", "--data", system.data]).status == 0)
        #expect(system.run(["hunt", "run", "dhcp", "--data", system.data]).status != 0, "removed")
    }
}
