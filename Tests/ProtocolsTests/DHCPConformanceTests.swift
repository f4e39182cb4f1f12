import Events
import Foundation
import TestSupport
import Testing
@testable import Protocols

/// DHCPv4 against Suricata's eve, Arkime, Zeek's dhcp.log, tcpdump -v and tshark.
@Suite(.serialized) struct DHCPConformanceTests {
    typealias Output = CaptureReplay<DHCPSession>.Output

    static func run(_ name: String) throws -> (outputs: [Output], frames: [Int64: UInt64]) {
        var replay = CaptureReplay<DHCPSession>(serverPorts: [67]) { _ in DHCPSession() }
        let outputs = replay.run(try CapturePayloads.read(SharedCaptures.path("dhcp/\(name)")))
        return (outputs, replay.framesByTime)
    }

    /// Messages in frame order with the frame, addresses and ports they came with.
    static func messages(_ name: String) throws -> [(frame: UInt64, message: DHCPMessage)] {
        let payloads = try CapturePayloads.read(SharedCaptures.path("dhcp/\(name)"))
        return payloads.compactMap { p in
            var session = DHCPSession()
            let t = p.bytes.withUnsafeBytes { session.receive($0, direction: .toServer, time: p.timestamp) }
            return t.first?.message.map { (p.frame, $0) }
        }
    }

    @Test(.enabled(if: SharedCaptures.available, SharedCaptures.skipMessage)) func againstToolOutputs() throws {
        var report = ConformanceReport()
        try suricata(&report)
        try arkime(&report)
        try zeek(&report)
        try tcpdump(&report)
        report.finish("DHCP tools")
    }

    func suricata(_ report: inout ConformanceReport) throws {
        let yaml = try String(contentsOfFile: SharedCaptures.path("dhcp/sv_dhcp-eve-extended.test.yaml"), encoding: .utf8)
        let messages = Dictionary(try Self.messages("sv_dhcp-eve-extended.pcap").map { ($0.frame, $0.message) }, uniquingKeysWith: { a, _ in a })
        var problems: [String] = []
        for block in yaml.components(separatedBy: "- filter:").dropFirst() where block.contains("event_type: dhcp") {
            var expected: [String: String] = [:]
            for m in block.matches(of: /\n\s+([a-z_.\[\]0-9]+): (.+)/) { expected[String(m.1)] = String(m.2).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            guard let frame = expected["pcap_cnt"].flatMap(UInt64.init), let m = messages[frame] else { problems.append("no message for \(block.prefix(40))"); continue }
            let o = m.decoded
            var ours: [String: String] = [
                "dhcp.assigned_ip": m.yourAddress.description, "dhcp.client_ip": m.clientAddress.description,
                "dhcp.client_mac": m.clientMAC, "dhcp.id": "\(m.transactionID)", "dhcp.type": m.isRequest ? "request" : "reply",
                "dhcp.dhcp_type": o.messageType.map { DHCPMessageType.name($0).lowercased() } ?? "",
                "dhcp.next_server_ip": m.serverAddress.description, "dhcp.relay_ip": m.relayAddress.description,
            ]
            ours["dhcp.client_id"] = o.clientIdentifierText
            ours["dhcp.hostname"] = o.hostname
            ours["dhcp.lease_time"] = o.leaseTime.map { "\($0)" }
            ours["dhcp.renewal_time"] = o.renewalTime.map { "\($0)" }
            ours["dhcp.rebinding_time"] = o.rebindingTime.map { "\($0)" }
            ours["dhcp.subnet_mask"] = o.subnetMask?.description
            // Suricata lists only the parameters it has names for (1, 3, 6, 15, 35, 42, 66, 150).
            let named = o.parameterRequestList.filter { [1, 3, 6, 15, 35, 42, 66, 150].contains($0) }
            for (i, code) in named.enumerated() { ours["dhcp.params[\(i)]"] = DHCPOptionName.name(code) }
            for (i, a) in o.routers.enumerated() { ours["dhcp.routers[\(i)]"] = a.description }
            for (i, a) in o.dnsServers.enumerated() { ours["dhcp.dns_servers[\(i)]"] = a.description }
            for (key, value) in expected.sorted(by: { $0.key < $1.key }) where key.hasPrefix("dhcp.") {
                // Suricata keeps the NUL some clients count in option 12; NetSift (like tshark and Zeek) drops it.
                let theirs = key == "dhcp.hostname" ? value.replacingOccurrences(of: "\\u0000", with: "") : value
                report.compare("frame \(frame) \(key)", ours[key], theirs, into: &problems)
            }
        }
        report.record("sv_dhcp-eve-extended (suricata)", problems,
                      note: "hostname without the trailing NUL Suricata keeps; params limited to those Suricata names")
    }

    func arkime(_ report: inout ConformanceReport) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: SharedCaptures.path("dhcp/ark_wireshark-dhcp.arkime.json")))
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let dhcp = (((json?["sessions3"] as? [[String: Any]])?.first?["body"] as? [String: Any])?["dhcp"] as? [String: Any]) ?? [:]
        let messages = try Self.messages("ark_wireshark-dhcp.pcap").map(\.message)
        var problems: [String] = []
        report.compare("id", Set(messages.map { String($0.transactionID, radix: 16) }), Set(dhcp["id"] as? [String] ?? []), into: &problems)
        report.compare("mac", Set(messages.map(\.clientMAC)), Set(dhcp["mac"] as? [String] ?? []), into: &problems)
        report.compare("type", Set(messages.compactMap { $0.messageType.map(DHCPMessageType.name) }), Set(dhcp["type"] as? [String] ?? []), into: &problems)
        report.compare("requestIp", Set(messages.compactMap { $0.decoded.requestedAddress?.description }), Set(dhcp["requestIp"] as? [String] ?? []), into: &problems)
        report.record("ark_wireshark-dhcp (arkime)", problems)
    }

    func zeek(_ report: inout ConformanceReport) throws {
        let text = try String(contentsOfFile: SharedCaptures.path("dhcp/zk_dhcp-all-msg-types.zeek-dhcp.log"), encoding: .utf8)
        let rows = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        var conversations = DHCPConversations()
        var done: [DHCPConversation] = []
        for o in try Self.run("zk_dhcp-all-msg-types.pcap").outputs {
            let fromClient = o.transaction.direction == .toServer
            done += conversations.add(o.transaction, source: fromClient ? o.client.address : o.server.address,
                                      destination: fromClient ? o.server.address : o.client.address, flow: UInt64(o.flow))
        }
        done += conversations.finish()
        var problems: [String] = []
        report.compare("dhcp.log lines", done.count, rows.count, into: &problems)
        func dash(_ s: String?) -> String { s ?? "-" }
        for (c, row) in zip(done, rows) where row.count >= 15 {
            report.compare("uids", c.flows.count, row[1].split(separator: ",").count, into: &problems)
            report.compare("client_addr", dash(c.clientAddress?.description), row[2], into: &problems)
            report.compare("server_addr", dash(c.serverAddress?.description), row[3], into: &problems)
            report.compare("mac", dash(c.mac), row[4], into: &problems)
            report.compare("host_name", dash(c.hostname), row[5], into: &problems)
            report.compare("client_fqdn", dash(c.clientFQDN), row[6], into: &problems)
            report.compare("domain", dash(c.domain), row[7], into: &problems)
            report.compare("requested_addr", dash(c.requestedAddress?.description), row[8], into: &problems)
            report.compare("assigned_addr", dash(c.assignedAddress?.description), row[9], into: &problems)
            report.compare("lease_time", c.leaseTime.map { String(format: "%.6f", Double($0)) } ?? "-", row[10], into: &problems)
            report.compare("client_message", dash(c.clientMessage), row[11], into: &problems)
            report.compare("server_message", dash(c.serverMessage), row[12], into: &problems)
            report.compare("msg_types", c.messageTypes.joined(separator: ","), row[13], into: &problems)
            report.compare("duration", String(format: "%.6f", Double(c.duration) / 1e9), row[14], into: &problems)
        }
        report.record("zk_dhcp-all-msg-types (zeek dhcp.log, via DHCPConversations)", problems)
    }

    /// tcpdump -v: per frame the xid, client address, Your-IP, every option
    /// (code and length) and the values it prints for the decoded ones.
    func tcpdump(_ report: inout ConformanceReport) throws {
        let text = try String(contentsOfFile: SharedCaptures.path("dhcp/td_dhcp-rfc3004-v.out"), encoding: .utf8)
        let messages = Dictionary(try Self.messages("td_dhcp-rfc3004.pcap").map { ($0.frame, $0.message) }, uniquingKeysWith: { a, _ in a })
        var blocks: [UInt64: [String]] = [:]
        var current: UInt64 = 0
        for line in text.split(separator: "\n") {
            if let m = line.firstMatch(of: /^\s*(\d+)  \d{4}-/) { current = UInt64(m.1) ?? 0 }
            blocks[current, default: []].append(String(line))
        }
        var problems: [String] = []
        for (frame, lines) in blocks.sorted(by: { $0.key < $1.key }) {
            guard let m = messages[frame] else { problems.append("frame \(frame): no message"); continue }
            let all = lines.joined(separator: "\n")
            let optionLines = lines.filter { $0.hasPrefix("\t    ") && !$0.hasPrefix("\t     ") }
            let listLines = lines.filter { $0.hasPrefix("\t      ") && !$0.contains("instance#") }
            report.compare("\(frame) xid", all.firstMatch(of: /xid 0x([0-9a-f]+)/).map { String($0.1) }, String(m.transactionID, radix: 16), into: &problems)
            report.compare("\(frame) Client-Ethernet-Address", all.firstMatch(of: /Client-Ethernet-Address (\S+)/).map { String($0.1) }, m.clientMAC, into: &problems)
            report.compare("\(frame) Your-IP", all.firstMatch(of: /Your-IP (\S+)/).map { String($0.1) } ?? "0.0.0.0", m.yourAddress.description, into: &problems)
            let options = optionLines.compactMap { $0.firstMatch(of: /\((\d+)\), length (\d+)/) }.map { "\($0.1)/\($0.2)" }
            report.compare("\(frame) options", options, m.options.map { "\($0.code)/\($0.length)" }, into: &problems)
            let o = m.decoded
            var values: [String: String] = [:]
            for v in all.matches(of: /\t    ([A-Za-z-]+) \(\d+\), length \d+: ([^\n]+)/) { values[String(v.1)] = String(v.2) }
            let mine: [String: String?] = [
                "DHCP-Message": o.messageType.map { t in ["Discover", "Offer", "Request", "Decline", "ACK", "NACK", "Release", "Inform"][Int(t) - 1] },
                "Requested-IP": o.requestedAddress?.description, "Server-ID": o.serverIdentifier?.description,
                "Lease-Time": o.leaseTime.map { "\($0)" }, "Subnet-Mask": o.subnetMask?.description,
                "Default-Gateway": o.routers.first?.description, "Domain-Name-Server": o.dnsServers.first?.description,
                "Domain-Name": o.domainName.map { "\"\($0)\"" },
            ]
            for (name, theirs) in values.sorted(by: { $0.key < $1.key }) where mine.keys.contains(name) {
                report.compare("\(frame) \(name)", mine[name] ?? nil, theirs, into: &problems)
            }
            let requested = listLines.flatMap { $0.matches(of: /\((\d+)\)/) }.compactMap { UInt8($0.1) }
            if !o.parameterRequestList.isEmpty { report.compare("\(frame) Parameter-Request", requested, o.parameterRequestList, into: &problems) }
            let instances = all.matches(of: /instance#\d+: "([^"]*)"/).map { String($0.1) }
            report.compare("\(frame) User-Class", instances, o.userClass, into: &problems)
        }
        report.record("td_dhcp-rfc3004-v (tcpdump)", problems)
    }

    static let tsharkFields = ["frame.number", "dhcp.option.dhcp", "dhcp.id", "dhcp.hw.mac_addr", "dhcp.option.hostname",
                               "dhcp.option.requested_ip_address", "dhcp.ip.your", "dhcp.option.ip_address_lease_time",
                               "dhcp.option.vendor_class_id"]

    @Test(.enabled(if: SharedCaptures.available && TShark.available, SharedCaptures.skipMessage)) func againstTShark() throws {
        var report = ConformanceReport()
        for path in SharedCaptures.captures(in: "dhcp") {
            let name = (path as NSString).lastPathComponent
            let messages = Dictionary(try Self.messages(name).map { ($0.frame, $0.message) }, uniquingKeysWith: { a, _ in a })
            let rows = TShark.fields(path, Self.tsharkFields, filter: "dhcp")
            var problems: [String] = []
            report.compare("frames", Set(messages.keys), Set(rows.compactMap { UInt64($0[0]) }), into: &problems)
            for row in rows where row.count == Self.tsharkFields.count {
                guard let frame = UInt64(row[0]), let m = messages[frame] else { continue }
                let o = m.decoded
                // tshark lists chaddr and, after it, an Ethernet client id's MAC.
                var macs = [m.clientMAC]
                if let id = o.clientIdentifier, id.count == 7, id.first == 1, let text = o.clientIdentifierText { macs.append(text) }
                report.compare("\(frame) dhcp.option.dhcp", o.messageType.map { "\($0)" } ?? "", row[1], into: &problems)
                report.compare("\(frame) dhcp.id", DHCPConversations.transactionIDText(m.transactionID), row[2], into: &problems)
                report.compare("\(frame) dhcp.hw.mac_addr", macs.joined(separator: ","), row[3], into: &problems)
                report.compare("\(frame) dhcp.option.hostname", o.hostname ?? "", row[4], into: &problems)
                report.compare("\(frame) dhcp.option.requested_ip_address", o.requestedAddress?.description ?? "", row[5], into: &problems)
                report.compare("\(frame) dhcp.ip.your", m.yourAddress.description, row[6], into: &problems)
                report.compare("\(frame) dhcp.option.ip_address_lease_time", o.leaseTime.map { "\($0)" } ?? "", row[7], into: &problems)
                report.compare("\(frame) dhcp.option.vendor_class_id", o.vendorClass ?? "", row[8], into: &problems)
            }
            report.record("\(name) (tshark)", problems)
        }
        report.finish("DHCP tshark")
    }
}
