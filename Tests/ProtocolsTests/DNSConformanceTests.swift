import Events
import Capture
import Dissection
import Foundation
import TestSupport
import Testing
@testable import Protocols

/// DNS against what Suricata, Arkime, tcpdump, Zeek and tshark made of the
/// same captures. Prints one line per capture and a total.
@Suite(.serialized) struct DNSConformanceTests {
    /// 1053: the port sv_dns-truncated-rname's Suricata config maps to DNS.
    static let serverPorts: Set<UInt16> = [53, 1053]

    static func transactions(_ path: String) throws -> (outputs: [CaptureReplay<DNSSession>.Output], frames: [Int64: UInt64]) {
        let payloads = path.hasSuffix("zk_ipv6-fragmented-dns.pcap") ? try DNSReassembledPayloads.read(path)
            : try CapturePayloads.read(path)
        var replay = CaptureReplay<DNSSession>(serverPorts: serverPorts) { l4 in
            DNSModule.makeSession(transport: l4 == IPProtocol.tcp ? .tcp : .udp)
        }
        let outputs = replay.run(payloads.filter { serverPorts.contains($0.sourcePort) || serverPorts.contains($0.destinationPort) })
        return (outputs, replay.framesByTime)
    }

    /// Every message with the frame it ended in.
    static func messages(_ path: String) throws -> [(frame: UInt64, message: DNSMessage)] {
        let (outputs, frames) = try transactions(path)
        var out: [(UInt64, DNSMessage)] = []
        for o in outputs.map(\.transaction) {
            if let q = o.query, let t = o.requestTime, let f = frames[t] { out.append((f, q)) }
            if let r = o.response, let t = o.responseTime, let f = frames[t] { out.append((f, r)) }
        }
        return out.sorted { $0.0 < $1.0 }
    }

    static func allRecords(_ m: DNSMessage) -> [DNSRecord] { m.answers + m.authorities + m.additionals }

    // MARK: - The other tools' outputs

    @Test(.enabled(if: SharedCaptures.available, SharedCaptures.skipMessage)) func againstToolOutputs() throws {
        var report = ConformanceReport()
        try suricataEve(&report)
        try suricataTruncatedName(&report)
        for name in ["ark_dns-mx", "ark_dns-https"] { try arkime(name, &report) }
        for out in tcpdumpOutputs() { try tcpdump(out, &report) }
        try zeekFragmented(&report)
        try corrupt(&report)
        report.finish("DNS tools")
    }

    func suricataEve(_ report: inout ConformanceReport) throws {
        let yaml = try String(contentsOfFile: SharedCaptures.path("dns/sv_dns-eve.test.yaml"), encoding: .utf8)
        let outputs = try Self.transactions(SharedCaptures.path("dns/sv_dns-eve.pcap")).outputs.map(\.transaction)
        var problems: [String] = []
        // "count: N / match: dns.type: request|response" pairs.
        let blocks = yaml.components(separatedBy: "- filter:").dropFirst()
        for block in blocks {
            guard let count = block.firstMatch(of: /count: (\d+)/).flatMap({ Int($0.1) }),
                  let type = block.firstMatch(of: /dns.type: (\w+)/)?.1 else { continue }
            let ours = type == "request" ? outputs.filter { $0.query != nil }.count : outputs.filter { $0.response != nil }.count
            report.compare("dns.type \(type) count", ours, count, into: &problems)
        }
        report.record("sv_dns-eve (suricata)", problems)
    }

    func suricataTruncatedName(_ report: inout ConformanceReport) throws {
        let path = SharedCaptures.path("dns/sv_dns-truncated-rname.pcap")
        let outputs = try Self.transactions(path).outputs.map(\.transaction)
        var problems: [String] = []
        let queries = outputs.compactMap(\.query)
        report.compare("dns events", queries.count, 1, into: &problems)
        report.compare("queries[0].rrname.__len", queries.first?.question?.name.count, 1025, into: &problems)
        report.compare("queries[0].rrname_truncated", queries.first?.question?.nameTruncated, true, into: &problems)
        report.compare("flagged limitExceeded", queries.first?.error?.kind, .limitExceeded, into: &problems)
        report.record("sv_dns-truncated-rname (suricata)", problems)
    }

    func arkime(_ name: String, _ report: inout ConformanceReport) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: SharedCaptures.path("dns/\(name).arkime.json")))
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let sessions = json?["sessions3"] as? [[String: Any]] ?? []
        let dns = ((sessions.first?["body"] as? [String: Any])?["dns"] as? [[String: Any]])?.first ?? [:]
        let outputs = try Self.transactions(SharedCaptures.path("dns/\(name).pcap")).outputs.map(\.transaction)
        var problems: [String] = []
        report.compare("transactions", outputs.count, 1, into: &problems)
        guard let t = outputs.first, let response = t.response else { report.record("\(name) (arkime)", problems + ["no response"]); return }
        report.compare("queryHost", t.question?.name, dns["queryHost"] as? String, into: &problems)
        report.compare("qt", t.question.map { DNSType.name($0.type) }, dns["qt"] as? String, into: &problems)
        report.compare("qc", t.question.map { DNSClass.name($0.class) }, dns["qc"] as? String, into: &problems)
        report.compare("status", DNSResponseCode.name(UInt16(response.header.flags.rcode)), dns["status"] as? String, into: &problems)
        report.compare("opcode", DNSOpcode.name(response.header.flags.opcode), dns["opcode"] as? String, into: &problems)
        report.compare("headerFlags", Set(response.header.flags.names), Set(dns["headerFlags"] as? [String] ?? []), into: &problems)
        // Arkime lists the records of every section under `answers`.
        let records = Self.allRecords(response).filter { $0.type != DNSType.opt }
        let expected = dns["answers"] as? [[String: Any]] ?? []
        report.compare("answersCnt", records.count, dns["answersCnt"] as? Int, into: &problems)
        for (record, theirs) in zip(records, expected) {
            report.compare("answer name", record.name, theirs["name"] as? String, into: &problems)
            report.compare("answer type", DNSType.name(record.type), theirs["type"] as? String, into: &problems)
            report.compare("answer class", DNSClass.name(record.class), theirs["class"] as? String, into: &problems)
            report.compare("answer ttl", Int(record.ttl), theirs["ttl"] as? Int, into: &problems)
            switch record.data {
            case .address(let a): report.compare("answer ip", a.description, theirs["ip"] as? String, into: &problems)
            case .mx(let preference, let exchange):
                report.compare("answer mx", exchange, theirs["mx"] as? String, into: &problems)
                report.compare("answer priority", Int(preference), theirs["priority"] as? Int, into: &problems)
            case .name(let n): report.compare("answer nameserver", n, theirs["nameserver"] as? String, into: &problems)
            case .svcb(let b): report.compare("answer https", "HTTPS " + b.text, theirs["https"] as? String, into: &problems)
            default: problems.append("answer of type \(record.type) not compared")
            }
        }
        report.record("\(name) (arkime)", problems)
    }

    func tcpdumpOutputs() -> [String] {
        let dir = SharedCaptures.path("dns")
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix("td_") && $0.hasSuffix(".out") }.sorted()
    }

    /// tcpdump text per frame: the default-verbosity outputs must equal ours
    /// exactly; the verbose ones are compared by facts (id, question,
    /// length, the A/AAAA/NS data of the sections they print).
    func tcpdump(_ file: String, _ report: inout ConformanceReport) throws {
        let capture = file.hasPrefix("td_dns_udp") ? "td_dns_udp.pcap" : "td_dns_tcp.pcap"
        let text = try String(contentsOfFile: SharedCaptures.path("dns/\(file)"), encoding: .utf8)
        let verbose = file.contains("-v")
        var frames: [UInt64: String] = [:]
        var current: UInt64? = nil
        for line in text.split(separator: "\n") {
            if let m = line.firstMatch(of: /^\s*(\d+)  \d{4}-/) { current = UInt64(m.1); frames[current ?? 0] = String(line) }
            else if let current { frames[current, default: ""] += "\n" + line }
        }
        let ours = Dictionary(try Self.messages(SharedCaptures.path("dns/\(capture)")).map { ($0.frame, $0.message) }, uniquingKeysWith: { a, _ in a })
        var problems: [String] = []
        for (frame, line) in frames.sorted(by: { $0.key < $1.key }) {
            guard let dnsText = line.firstMatch(of: /(?:length \d+ |\d: (?:\[udp sum ok\] )?)(\d+[^\n]*\(\d+\))$/)?.1 else {
                report.compare("frame \(frame) has DNS", ours[frame] == nil, true, into: &problems)
                continue
            }
            guard let message = ours[frame] else { problems.append("frame \(frame): no message"); continue }
            if !verbose {
                report.compare("frame \(frame) text", message.tcpdumpSummary, String(dnsText), into: &problems)
                continue
            }
            let id = dnsText.firstMatch(of: /^(\d+)/).flatMap { UInt16($0.1) }
            report.compare("frame \(frame) id", message.header.id, id, into: &problems)
            // Responses show their question from -vv on.
            if let question = dnsText.firstMatch(of: /(\S+)\? (\S+)\./) {
                report.compare("frame \(frame) qtype", message.question.map { DNSType.name($0.type) }, String(question.1), into: &problems)
                report.compare("frame \(frame) qname", message.question?.name, String(question.2), into: &problems)
            } else {
                report.compare("frame \(frame) question hidden only on responses", message.isResponse, true, into: &problems)
            }
            report.compare("frame \(frame) length", dnsText.firstMatch(of: /\((\d+)\)$/).flatMap { Int($0.1) }, message.length, into: &problems)
            var printed = message.answers
            if dnsText.contains(" ns: ") { printed += message.authorities }
            if dnsText.contains(" ar: ") { printed += message.additionals }
            // -vvv adds each record's TTL in tcpdump's units ("[1d]").
            let theirs = dnsText.matches(of: /(\S+)\. (\[\w+\] )?(A|AAAA|NS) ([0-9a-zA-Z:.-]+?)\.?(?=[, ]|$)/).map { "\($0.1) \($0.2 ?? "")\($0.3) \($0.4)" }
            let withTTL = dnsText.contains("] A ")
            let mine = printed.filter { [DNSType.a, DNSType.aaaa, DNSType.ns].contains($0.type) }.map {
                "\($0.name) " + (withTTL ? "[\(Self.tcpdumpTime($0.ttl))] " : "") + "\(DNSType.name($0.type)) \($0.dataText)"
            }
            report.compare("frame \(frame) records", mine, theirs, into: &problems)
        }
        report.record("\(file) (tcpdump)", problems)
    }

    /// tcpdump's relative time: 86400 -> "1d", 3661 -> "1h1m1s".
    static func tcpdumpTime(_ seconds: UInt32) -> String {
        if seconds == 0 { return "0s" }
        var rest = seconds, out = ""
        for (unit, name) in [(31_536_000, "y"), (604_800, "w"), (86400, "d"), (3600, "h"), (60, "m"), (1, "s")] where rest >= unit {
            out += "\(rest / UInt32(unit))\(name)"
            rest %= UInt32(unit)
        }
        return out
    }

    func zeekFragmented(_ report: inout ConformanceReport) throws {
        let text = try String(contentsOfFile: SharedCaptures.path("fragments/zk_ipv6-fragmented-dns.zeek-dns.log"), encoding: .utf8)
        let rows = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        let outputs = try Self.transactions(SharedCaptures.path("fragments/zk_ipv6-fragmented-dns.pcap")).outputs.map(\.transaction)
            .sorted { ($0.requestTime ?? 0, $0.responseTime ?? .max) < ($1.requestTime ?? 0, $1.responseTime ?? .max) }
        var problems: [String] = []
        report.compare("dns.log lines", outputs.count, rows.count, into: &problems)
        for (t, row) in zip(outputs, rows) where row.count >= 25 {
            let flags = (t.response ?? t.query)?.header.flags
            let answered = t.response != nil
            func bool(_ b: Bool?) -> String { b == true ? "T" : "F" }
            report.compare("trans_id", t.id.map { "\($0)" }, row[7], into: &problems)
            let rtt = t.responseTime.flatMap { r in t.requestTime.map { String(format: "%.6f", Double(r - $0) / 1e9) } } ?? "-"
            report.compare("rtt", rtt, row[8], into: &problems)
            report.compare("query", t.question?.name, row[9], into: &problems)
            report.compare("qclass", t.question.map { "\($0.class)" }, row[10], into: &problems)
            report.compare("qtype", t.question.map { "\($0.type)" }, row[12], into: &problems)
            report.compare("rcode", answered ? "\(flags?.rcode ?? 0)" : "-", row[14], into: &problems)
            report.compare("rcode_name", answered ? DNSResponseCode.name(UInt16(flags?.rcode ?? 0)) : "-", row[15], into: &problems)
            report.compare("AA TC RD RA", [bool(answered && flags?.authoritative == true), bool(answered && flags?.truncated == true),
                                           bool(flags?.recursionDesired), bool(answered && flags?.recursionAvailable == true)],
                           Array(row[16 ... 19]), into: &problems)
            let answers = (t.response?.answers ?? []).map { record -> String in
                if case .txt(let strings) = record.data { return strings.map { "TXT \($0.utf8.count) \($0)" }.joined(separator: " ") }
                return record.dataText
            }
            report.compare("answers", answers.isEmpty ? "-" : answers.joined(separator: ","), row[21], into: &problems)
            let ttls = (t.response?.answers ?? []).map { String(format: "%.6f", Double($0.ttl)) }
            report.compare("TTLs", ttls.isEmpty ? "-" : ttls.joined(separator: ","), row[22], into: &problems)
        }
        report.record("zk_ipv6-fragmented-dns (zeek, datagrams reassembled in the test)", problems)
    }

    /// zk_dns-corrupt: the DNS is whole; the corruption is the UDP checksum
    /// (0x1234), which Zeek drops on and which the transport layer owns.
    func corrupt(_ report: inout ConformanceReport) throws {
        let outputs = try Self.transactions(SharedCaptures.path("dns/zk_dns-corrupt.pcap")).outputs.map(\.transaction)
        var problems: [String] = []
        report.compare("transactions", outputs.map(\.status), [.complete], into: &problems)
        report.compare("DNS faults", outputs.compactMap(\.firstError).count, 0, into: &problems)
        report.record("zk_dns-corrupt (zeek: bad UDP checksums, no DNS fault)", problems)
    }

    // MARK: - tshark on every capture with DNS

    static let tsharkFields = ["frame.number", "dns.id", "dns.qry.name", "dns.qry.type", "dns.flags.rcode", "dns.a", "dns.aaaa",
                               "dns.cname", "dns.mx.mail_exchange", "dns.resp.ttl", "dns.count.answers"]

    @Test(.enabled(if: SharedCaptures.available && TShark.available, SharedCaptures.skipMessage)) func againstTShark() throws {
        var report = ConformanceReport()
        let captures = SharedCaptures.captures(in: "dns") + [SharedCaptures.path("fragments/zk_ipv6-fragmented-dns.pcap"),
                                                             SharedCaptures.path("community-id/cid_combined.pcap")]
        for path in captures {
            let name = (path as NSString).lastPathComponent
            let extra = name.contains("truncated-rname") ? ["-d", "tcp.port==1053,dns"] : []
            let rows = TShark.fields(path, Self.tsharkFields, filter: "dns", extra: extra)
            let ours = Dictionary(try Self.messages(path).map { ($0.frame, $0.message) }, uniquingKeysWith: { a, _ in a })
            var problems: [String] = []
            report.compare("frames with DNS", Set(ours.keys), Set(rows.compactMap { UInt64($0[0]) }), into: &problems)
            for row in rows where row.count == Self.tsharkFields.count {
                guard let frame = UInt64(row[0]), let m = ours[frame] else { continue }
                let records = Self.allRecords(m)
                func data(_ type: UInt16) -> String { records.filter { $0.type == type }.map(\.dataText).joined(separator: ",") }
                let response = m.isResponse
                report.compare("\(frame) dns.id", String(format: "0x%04x", m.header.id), row[1], into: &problems)
                // tshark shows names over 255 octets as "<Name too long>"; ours are cut (and flagged) at 1025 characters.
                let theirName = row[2].components(separatedBy: ",").first ?? ""
                let qname = m.question.map { $0.nameTruncated && theirName == "<Name too long>" ? theirName : $0.name } ?? ""
                report.compare("\(frame) dns.qry.name", qname, theirName, into: &problems)
                report.compare("\(frame) dns.qry.type", m.question.map { "\($0.type)" } ?? "", row[3].components(separatedBy: ",").first ?? "", into: &problems)
                report.compare("\(frame) dns.flags.rcode", response ? "\(m.header.flags.rcode)" : "", row[4], into: &problems)
                report.compare("\(frame) dns.a", data(DNSType.a), row[5], into: &problems)
                report.compare("\(frame) dns.aaaa", data(DNSType.aaaa), row[6], into: &problems)
                report.compare("\(frame) dns.cname", data(DNSType.cname), row[7], into: &problems)
                let exchanges = records.compactMap { if case .mx(_, let e) = $0.data { e } else { nil } }
                report.compare("\(frame) dns.mx.mail_exchange", exchanges.joined(separator: ","), row[8], into: &problems)
                let ttls = response ? records.filter { $0.type != DNSType.opt }.map { "\($0.ttl)" }.joined(separator: ",") : ""
                report.compare("\(frame) dns.resp.ttl", ttls, row[9], into: &problems)
                report.compare("\(frame) dns.count.answers", "\(m.header.answerCount)", row[10], into: &problems)
            }
            report.record("\(name) (tshark)", problems)
        }
        report.finish("DNS tshark")
    }
}

/// Payloads of a capture with IP fragments put back together (the test's
/// own reassembly through `FragmentReassembler`; CapturePayloads skips
/// fragments). A datagram is reported at the frame that completed it.
enum DNSReassembledPayloads {
    static func read(_ path: String) throws -> [CapturePayload] {
        let reader = try PcapFileReader(path: path)
        let dissector = Dissector()
        var reassembler = FragmentReassembler()
        var out: [CapturePayload] = []
        while case .frame(let frame) = reader.next() {
            let packet = dissector.dissect(frame.bytes, linkType: frame.linkType, wireLength: frame.wireLength)
            func add(_ payload: [UInt8], sourcePort: UInt16, destinationPort: UInt16) {
                out.append(CapturePayload(frame: frame.number, timestamp: frame.timestamp, l4Type: packet.l4Type,
                                          source: packet.source, destination: packet.destination, sourcePort: sourcePort,
                                          destinationPort: destinationPort, tcpSequence: 0, tcpFlags: 0, bytes: payload))
            }
            guard let fragment = packet.fragment else {
                guard packet.l4Type == IPProtocol.udp, packet.l5Length > 0 else { continue }
                let start = Int(packet.l5Offset)
                add(Array(frame.bytes[start ..< start + Int(packet.l5Length)]), sourcePort: packet.sourcePort,
                    destinationPort: packet.destinationPort)
                continue
            }
            let key = FragmentReassembler.Key(source: packet.source, destination: packet.destination,
                                              protocolNumber: packet.l4Type, identification: fragment.identification,
                                              vlans: packet.vlans)
            let start = Int(fragment.payloadOffset)
            let piece = UnsafeRawBufferPointer(rebasing: frame.bytes[start ..< start + Int(fragment.payloadLength)])
            if case .complete(let whole, _, _) = reassembler.add(
                key: key, offset: Int(fragment.offset), moreFragments: fragment.moreFragments, payload: piece,
                piece: FragmentReassembler.Piece(frame: frame.number, capturedBytes: frame.capturedLength, wireBytes: frame.wireLength),
                time: frame.timestamp), packet.l4Type == IPProtocol.udp, whole.count >= 8 {
                add(Array(whole[8...]), sourcePort: UInt16(whole[0]) << 8 | UInt16(whole[1]),
                    destinationPort: UInt16(whole[2]) << 8 | UInt16(whole[3]))
            }
        }
        return out
    }
}
