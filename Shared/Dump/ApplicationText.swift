import Protocols

/// One line per application transaction, in the spirit of tcpdump's and
/// tshark's one-liners: the request, an arrow, the answer.
enum ApplicationText {
    static func line(_ t: ApplicationTransaction) -> String {
        "  \(t.dataset): " + summary(t)
    }

    static func summary(_ t: ApplicationTransaction) -> String {
        switch t {
        case .dns(let d, _): dns(d)
        case .http(let h, _): http(h)
        case .tls(let s, _): tls(s)
        case .dhcp(let d, _): dhcp(d)
        case .icmp(let i, _): icmp(i)
        }
    }

    static func dns(_ d: DNSTransaction) -> String {
        switch (d.query, d.response) {
        case (let q?, let r?): return "\(q.tcpdumpSummary) → \(r.tcpdumpSummary)"
        case (let q?, nil): return "\(q.tcpdumpSummary) → (no response)"
        case (nil, let r?): return "(no query) → \(r.tcpdumpSummary)"
        case (nil, nil): return "malformed: \(d.firstError?.description ?? "no message")"
        }
    }

    static func http(_ h: HTTPTransaction) -> String {
        var request = "(no request)"
        if let r = h.request {
            request = "\(r.method) \(r.target)" + (r.version.isEmpty ? "" : " HTTP/\(r.version)")
            if let host = r.host { request += " Host: \(host)" }
        }
        var response = "(no response)"
        if let r = h.response { response = "\(r.statusCode)" + (r.statusPhrase.isEmpty ? "" : " \(r.statusPhrase)") }
        return "\(request) → \(response)"
    }

    static func tls(_ s: TLSTransaction) -> String {
        let fields = s.fields
        func text(_ name: String) -> String? { if case .string(let v)? = fields[field: name] { v } else { nil } }
        var client = "(no ClientHello)"
        if s.clientHello != nil {
            client = "ClientHello"
            if let sni = text("tls.client.server_name") { client += " SNI=\(sni)" }
            if let ja3 = s.ja3 { client += " JA3=\(ja3)" }
            if let ja4 = s.ja4 { client += " JA4=\(ja4)" }
        } else if s.sslv2ClientHello != nil {
            client = "SSLv2 ClientHello"
        }
        var server = "(no ServerHello)"
        if s.serverHello != nil {
            server = "ServerHello"
            if let version = text("tls.detailed.version") { server += " \(version)" }
            if let cipher = text("tls.cipher") { server += " cipher \(cipher)" }
        }
        var line = "\(client) → \(server)"
        if let subject = text("tls.server.x509.subject.distinguished_name") { line += " cert \(subject)" }
        if !s.alerts.isEmpty { line += " alert " + s.alerts.map(\.name).joined(separator: ",") }
        return line
    }

    static func dhcp(_ d: DHCPTransaction) -> String {
        guard let m = d.message else { return "malformed: \(d.firstError?.description ?? "no message")" }
        let fields = d.fields
        func text(_ name: String) -> String? { if case .string(let v)? = fields[field: name] { v } else { nil } }
        var line = "DHCP \(text("dhcp.message_type") ?? (m.isRequest ? "BOOTREQUEST" : "BOOTREPLY"))"
        line += " xid \(text("dhcp.transaction_id") ?? "?") mac \(m.clientMAC)"
        if let requested = text("dhcp.requested_address") { line += " requested \(requested)" }
        if let assigned = text("dhcp.assigned_address"), assigned != "0.0.0.0" { line += " yiaddr \(assigned)" }
        if let server = text("dhcp.server_identifier") { line += " server \(server)" }
        if case .integer(let lease)? = fields[field: "dhcp.lease_time"] { line += " lease \(lease)s" }
        if let host = text("dhcp.hostname") { line += " hostname \(host)" }
        return line
    }

    static func icmp(_ i: ICMPTransaction) -> String {
        func name(_ m: ICMPMessage) -> String {
            var text = ICMPNames.type(m.type, version: i.version)
            if let code = ICMPNames.code(m.code, type: m.type, version: i.version) { text += " (\(code))" }
            return text
        }
        var line: String
        switch (i.request, i.response) {
        case (let q?, let r?): line = "\(name(q)) → \(name(r))"
        case (let q?, nil): line = name(q) + ([8, 13, 15, 17, 128, 133, 135].contains(q.type) && i.quoted == nil ? " → (no reply)" : "")
        case (nil, let r?): line = "(no request) → \(name(r))"
        case (nil, nil): line = "?"
        }
        if let id = i.echoID, let seq = i.echoSequence { line += " id \(id) seq \(seq)" }
        if let rtt = i.roundTrip { line += " rtt " + milliseconds(rtt) }
        if let q = i.quoted { line += " quoting \(q.source) > \(q.destination)" }
        if let target = i.target { line += " target \(target)" }
        return line
    }

    /// Nanoseconds as milliseconds with three decimals.
    static func milliseconds(_ ns: Int64) -> String {
        let micros = (ns + 500) / 1000
        let fraction = String(abs(micros) % 1000)
        return "\(micros / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction) ms"
    }
}
