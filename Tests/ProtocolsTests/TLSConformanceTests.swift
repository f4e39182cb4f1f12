import Events
import Foundation
import Testing
import TestSupport
@testable import Protocols

/// TLS facts against the expected outputs shipped with the shared captures
/// (Arkime session JSON, suricata-verify eve checks, FoxIO JA4 outputs) and
/// against tshark on the same captures. One line per capture, then a total.
@Suite(.serialized) struct TLSConformanceTests {
    /// Every capture with TLS in it: the tls folder, plus TLS captures elsewhere.
    static var captures: [String] {
        SharedCaptures.captures(in: "tls") + ["large/sv_tls-subjectaltname.pcap", "large/ja4_http2-with-cookies.pcapng",
                                              "ipv6/sv_community-id-ipv6.pcap"].map(SharedCaptures.path)
    }

    /// Mismatches explained by a tool or specification difference: (capture, start of the difference) → reason.
    static let explained: [(capture: String, field: String, reason: String)] = [
        ("ja4_http2-with-cookies.pcapng", "58847>443 serials",
         "the pcapng carries a TLS key log (Decryption Secrets Block); tshark decrypts the TLS 1.3 handshake and reads the certificates, NetSift does not decrypt and records them as encrypted"),
        ("ja4_http2-with-cookies.pcapng", "58847>443 dNSNames", "as above: certificates read by tshark after decryption"),
    ]

    static func isExplained(_ capture: String, _ difference: String) -> Bool {
        explained.contains { $0.capture == capture && difference.hasPrefix($0.field) }
    }

    struct Tally {
        var compared = 0
        var differences: [String] = []
        mutating func check(_ field: String, _ expected: String?, _ actual: String?) {
            compared += 1
            if expected != actual { differences.append("\(field): expected \(expected ?? "nil") got \(actual ?? "nil")") }
        }
    }

    /// One line per capture, the totals, and the differences no reason explains.
    struct Summary {
        var matched = 0, captures = 0, fields = 0
        var unexplained: [String] = []
        var total: String { "\(matched)/\(captures) captures match, \(fields) fields compared" }

        mutating func add(_ label: String, _ name: String, _ tally: Tally) {
            captures += 1
            fields += tally.compared
            if tally.differences.isEmpty {
                matched += 1
                print("TLS \(label) \(name): match (\(tally.compared) fields)")
                return
            }
            print("TLS \(label) \(name): \(tally.differences.joined(separator: "; "))")
            for difference in tally.differences where !TLSConformanceTests.isExplained(name, difference) {
                unexplained.append("\(name) \(difference)")
            }
        }
    }

    static func base(_ path: String) -> String { (path as NSString).deletingPathExtension }
    static func name(_ path: String) -> String { (path as NSString).lastPathComponent }

    static func results(_ path: String) throws -> [TLSConnectionResult] {
        TLSCaptureDriver.run(try CapturePayloads.read(path))
    }

    @Test(.enabled(if: SharedCaptures.available, SharedCaptures.skipMessage))
    func expectedOutputs() throws {
        var summary = Summary()
        for path in Self.captures {
            let results = try Self.results(path)
            var tally = Tally()
            let base = Self.base(path)
            var hasExpected = false
            if let data = FileManager.default.contents(atPath: base + ".arkime.json") {
                hasExpected = true
                try Self.compareArkime(data, results, &tally)
            }
            if let text = try? String(contentsOfFile: base + ".test.yaml", encoding: .utf8) {
                hasExpected = true
                Self.compareSuricata(text, results, &tally)
            }
            for suffix in [".ja4-rust.snap", ".ja4-python.json"] {
                if let text = try? String(contentsOfFile: base + suffix, encoding: .utf8) {
                    hasExpected = true
                    Self.compareJA4(text, python: suffix.hasSuffix("json"), results, &tally)
                }
            }
            guard hasExpected else { continue }
            summary.add("expected", Self.name(path), tally)
        }
        print("TLS expected outputs: \(summary.total)")
        #expect(summary.unexplained.isEmpty, "\(summary.unexplained)")
    }

    // MARK: Arkime

    static func arkimeVersion(_ v: TLSVersion) -> String {
        if let draft = v.draft { return "TLSv1.3-draft-\(draft)" }
        return switch v.rawValue {
        case 0x0300: "SSLv3"
        case 0x0301: "TLSv1"
        case 0x0302: "TLSv1.1"
        case 0x0303: "TLSv1.2"
        case 0x0304: "TLSv1.3"
        default: v.name
        }
    }

    static func compareArkime(_ data: Data, _ results: [TLSConnectionResult], _ tally: inout Tally) throws {
        let root = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        for session in root?["sessions3"] as? [[String: Any]] ?? [] {
            guard let body = session["body"] as? [String: Any], let tls = body["tls"] as? [String: Any] else { continue }
            let sport = ((body["source"] as? [String: Any])?["port"] as? Int).map(UInt16.init)
            let dport = ((body["destination"] as? [String: Any])?["port"] as? Int).map(UInt16.init)
            let t = results.first { $0.clientPort == sport && $0.serverPort == dport }?.transactions.first
            func first(_ key: String) -> String? { (tls[key] as? [Any])?.first.map { "\($0)" } }
            tally.check("version", first("version"), t?.version.map(arkimeVersion))
            tally.check("cipher", first("cipher"), t?.serverHello.flatMap { TLSCipherSuites.name($0.cipherSuite) })
            tally.check("ja3", first("ja3"), t?.ja3)
            tally.check("ja3string", first("ja3string"), t?.ja3String)
            tally.check("ja3s", first("ja3s"), t?.ja3s)
            tally.check("ja3sstring", first("ja3sstring"), t?.ja3sString)
            tally.check("ja4", first("ja4"), t?.ja4)
            if let host = ((body["http"] as? [String: Any])?["host"] as? [String])?.first {
                tally.check("sni", host, t?.clientHello?.serverName)
            }
            for cert in body["cert"] as? [[String: Any]] ?? [] {
                let hash = (cert["hash"] as? String ?? "").replacingOccurrences(of: ":", with: "").uppercased()
                guard let ours = t?.serverCertificates.first(where: { $0.sha1 == hash }) else {
                    tally.check("cert \(hash)", "present", nil)
                    continue
                }
                tally.check("cert sha1", hash, ours.sha1)
                func list(_ key: String) -> String? { (cert[key] as? [String])?.joined(separator: "|") }
                func joined(_ values: [String], lower: Bool = false) -> String? {
                    values.isEmpty ? nil : values.map { lower ? $0.lowercased() : $0 }.joined(separator: "|")
                }
                // Arkime lowercases common names.
                tally.check("cert subjectCN", list("subjectCN"), joined(ours.subject.commonNames, lower: true))
                tally.check("cert issuerCN", list("issuerCN"), joined(ours.issuer.commonNames, lower: true))
                tally.check("cert subjectON", list("subjectON"), joined(ours.subject.organizations))
                tally.check("cert issuerON", list("issuerON"), joined(ours.issuer.organizations))
                tally.check("cert issuerOU", list("issuerOU"), joined(ours.issuer.organizationalUnits))
                tally.check("cert alt", list("alt"), joined(ours.alternativeNames))
                tally.check("cert serial", cert["serial"] as? String, ours.serialNumber?.lowercased())
                tally.check("cert notBefore", (cert["notBefore"] as? Int).map(String.init), ours.notBefore.map { String($0 / 1_000_000) })
                tally.check("cert notAfter", (cert["notAfter"] as? Int).map(String.init), ours.notAfter.map { String($0 / 1_000_000) })
            }
        }
    }

    // MARK: suricata-verify

    /// The `checks:` of a suricata-verify test.yaml: (count, match) per filter.
    static func suricataChecks(_ text: String) -> [(count: Int, match: [String: String])] {
        var checks: [(count: Int, match: [String: String])] = []
        var matchIndent: Int?
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = String(raw)
            let indent = line.prefix(while: { $0 == " " }).count
            let content = line.trimmingCharacters(in: .whitespaces)
            if content.hasPrefix("- filter:") {
                checks.append((count: 1, match: [:]))
                matchIndent = nil
                continue
            }
            guard !checks.isEmpty else { continue }
            if let m = matchIndent, indent <= m { matchIndent = nil }
            if content == "match:" { matchIndent = indent; continue }
            guard let colon = content.firstIndex(of: ":") else { continue }
            let key = String(content[..<colon])
            var value = content[content.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            if matchIndent != nil {
                checks[checks.count - 1].match[key] = value
            } else if key == "count", let count = Int(value) {
                checks[checks.count - 1].count = count
            }
        }
        return checks
    }

    static func compareSuricata(_ text: String, _ results: [TLSConnectionResult], _ tally: inout Tally) {
        for check in suricataChecks(text) where check.match["event_type"] == "tls" {
            var matching = 0
            for result in results {
                for t in result.transactions {
                    var ok = true
                    for (key, value) in check.match {
                        switch key {
                        case "tls.sni": ok = ok && t.clientHello?.serverName == value
                        case "tls.version": ok = ok && t.version?.name == value
                        case "tls.ja3.hash": ok = ok && t.ja3 == value
                        case "tls.ja3.string": ok = ok && t.ja3String == value
                        case "tls.ja4": ok = ok && t.ja4 == value
                        case "has-key": ok = ok && (value != "tls.subjectaltname" || !(t.serverCertificates.first?.alternativeNames.isEmpty ?? true))
                        case "src_port": ok = ok && String(result.clientPort) == value
                        case "dest_port": ok = ok && String(result.serverPort) == value
                        default: break
                        }
                    }
                    if ok { matching += 1 }
                }
            }
            let keys = check.match.keys.filter { $0.hasPrefix("tls.") || $0 == "has-key" }.sorted().joined(separator: ",")
            tally.check("eve tls count [\(keys)]", String(check.count), String(matching))
        }
    }

    // MARK: FoxIO JA4

    static func compareJA4(_ text: String, python: Bool, _ results: [TLSConnectionResult], _ tally: inout Tally) {
        let pattern = python ? #""JA4\.\d+": "([^"]+)""# : #"(?m)^\s+ja4: (\S+)$"#
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return }
        let expected = regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range(at: 1), in: text).map { String(text[$0]) }
        }.sorted()
        let ours = results.flatMap(\.transactions).compactMap(\.ja4).sorted()
        tally.check(python ? "ja4 (python)" : "ja4 (rust)", expected.joined(separator: " "), ours.joined(separator: " "))
    }

    // MARK: tshark

    /// tshark's rows for frames holding one handshake message type: the
    /// connection (client port, server port) and the requested fields.
    static func tsharkRows(_ path: String, type: Int, _ fields: [String]) -> [(key: String, values: [String])] {
        TShark.fields(path, ["tcp.srcport", "tcp.dstport"] + fields, filter: "tls.handshake.type==\(type)").map { columns in
            let ports = type == 1 ? "\(columns[0])>\(columns[1])" : "\(columns.count > 1 ? columns[1] : "")>\(columns[0])"
            return (ports, Array(columns.dropFirst(2)))
        }
    }

    @Test(.enabled(if: SharedCaptures.available && FileManager.default.isExecutableFile(atPath: "/usr/bin/tshark"),
                   SharedCaptures.skipMessage))
    func againstTshark() throws {
        var summary = Summary()
        for path in Self.captures {
            let results = try Self.results(path)
            var byKey: [String: TLSTransaction] = [:]
            for r in results { if let t = r.transactions.first { byKey["\(r.clientPort)>\(r.serverPort)"] = t } }
            var tally = Tally()
            for row in Self.tsharkRows(path, type: 1, ["tls.handshake.extensions_server_name", "tls.handshake.ja3",
                                                        "tls.handshake.ja3_full"]) where row.values.count == 3 {
                let t = byKey[row.key]
                tally.check("\(row.key) sni", row.values[0].isEmpty ? nil : row.values[0], t?.clientHello?.serverName)
                tally.check("\(row.key) ja3", row.values[1], t?.ja3)
                tally.check("\(row.key) ja3_full", row.values[2], t?.ja3String)
            }
            for row in Self.tsharkRows(path, type: 2, ["tls.handshake.ja3s", "tls.handshake.ja3s_full", "tls.handshake.ciphersuite",
                                                        "tls.handshake.extensions.supported_version"]) where row.values.count == 4 {
                // A HelloRetryRequest and the ServerHello after it are both type 2; compare the last.
                let t = byKey[row.key]
                guard t?.helloRetryRequest != true else { continue }
                tally.check("\(row.key) ja3s", row.values[0], t?.ja3s)
                tally.check("\(row.key) ja3s_full", row.values[1], t?.ja3sString)
                tally.check("\(row.key) cipher", row.values[2], t?.serverHello.map { "0x" + TLSHex.hex16($0.cipherSuite) })
                tally.check("\(row.key) supported_version", row.values[3].isEmpty ? nil : row.values[3],
                            t?.serverHello?.selectedVersion.map { "0x" + TLSHex.hex16($0.rawValue) })
            }
            for row in Self.tsharkRows(path, type: 11, ["x509af.serialNumber", "x509ce.dNSName",
                                                         "tls.handshake.certificate_length"]) where row.values.count == 3 {
                let t = byKey[row.key]
                let certs = t?.serverCertificates ?? []
                // tshark also lists serials of certificates inside a stapled OCSP
                // response (CertificateStatus) in the same frame: keep one per
                // certificate of the Certificate message. tshark prints the DER
                // INTEGER octets, with the 0x00 sign octet of serials whose top
                // bit is set; NetSift prints the serial's value (as OpenSSL,
                // Go/Packetbeat and swift-certificates do), so that octet is dropped.
                let count = row.values[2].split(separator: ",").count
                let serials = row.values[0].split(separator: ",").prefix(count).map { raw -> String in
                    let hex = raw.replacingOccurrences(of: ":", with: "").lowercased()
                    guard hex.hasPrefix("00"), hex.count > 2, let next = hex.dropFirst(2).first,
                          "89abcdef".contains(next) else { return hex }
                    return String(hex.dropFirst(2))
                }
                tally.check("\(row.key) serials", serials.joined(separator: ","),
                            certs.compactMap { $0.serialNumber?.lowercased() }.joined(separator: ","))
                tally.check("\(row.key) dNSNames", row.values[1], certs.flatMap(\.dnsNames).joined(separator: ","))
            }
            summary.add("tshark", Self.name(path), tally)
        }
        print("TLS tshark: \(summary.total)")
        #expect(summary.unexplained.isEmpty, "\(summary.unexplained)")
    }

    /// The same facts whatever the TCP chunking: every byte alone, and odd sizes.
    @Test(.enabled(if: SharedCaptures.available, SharedCaptures.skipMessage))
    func chunkingDoesNotMatter() throws {
        for path in SharedCaptures.captures(in: "tls") {
            let payloads = try CapturePayloads.read(path)
            func summary(_ results: [TLSConnectionResult]) -> [String] {
                results.flatMap(\.transactions).map { t in
                    [t.ja3String, t.ja3sString, t.ja4, t.clientHello?.serverName, t.version?.name,
                     t.serverCertificates.map(\.sha256).joined(separator: ","), String(t.established),
                     t.anomalies.map(\.rawValue).joined()].map { $0 ?? "-" }.joined(separator: "|")
                }
            }
            let whole = summary(TLSCaptureDriver.run(payloads))
            for chunk in [1, 7, 1000] {
                #expect(summary(TLSCaptureDriver.run(payloads, chunk: chunk)) == whole, "\(Self.name(path)) chunk \(chunk)")
            }
        }
    }

    /// Captures under malformed/ (and every other shared capture) go through
    /// TLS sessions without a crash; non-TLS streams are flagged `not_tls`.
    @Test(.enabled(if: SharedCaptures.available, SharedCaptures.skipMessage))
    func otherCapturesDoNotCrash() throws {
        for path in SharedCaptures.captures(in: "malformed") + SharedCaptures.captures(in: "http") {
            for result in TLSCaptureDriver.run(try CapturePayloads.read(path)) {
                for t in result.transactions where t.clientHello == nil {
                    #expect(!t.anomalies.isEmpty, "\(Self.name(path)) \(result.clientPort): an unflagged transaction")
                }
            }
        }
    }
}
