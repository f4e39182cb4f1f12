/// Packetbeat's text of a DNS message (its `dnsToString`), what the
/// `request` and `response` fields carry under `send_request` and
/// `send_response`: `ID 22836; QR query; OPCODE QUERY; FLAGS rd; RCODE
/// NOERROR; QUESTION class IN, type A, www.tcpdump.org.; ANSWER ...`.
extension DNSMessage {
    public var packetbeatText: String {
        let flags = header.flags
        let set: [(Bool, String)] = [(flags.authoritative, "aa"), (flags.truncated, "tc"), (flags.recursionDesired, "rd"),
                                     (flags.recursionAvailable, "ra"), (flags.authenticData, "ad"),
                                     (flags.checkingDisabled, "cd")]
        var parts = ["ID \(header.id); QR \(flags.isResponse ? "response" : "query"); OPCODE \(DNSOpcode.name(flags.opcode)); "
            + "FLAGS \(set.filter(\.0).map(\.1).joined(separator: " ")); RCODE \(DNSResponseCode.name(UInt16(flags.rcode)))"]
        if !questions.isEmpty {
            parts.append("QUESTION " + questions.map {
                "class \(DNSClass.name($0.class)), type \(DNSType.name($0.type)), \(Self.absolute($0.name))"
            }.joined(separator: "; "))
        }
        for (section, records) in [("ANSWER", answers), ("AUTHORITY", authorities), ("ADDITIONAL", additionals)]
        where !records.isEmpty {
            parts.append(section + " " + records.map(Self.packetbeatRecord).joined(separator: "; "))
        }
        return parts.joined(separator: "; ")
    }

    /// Packetbeat's `rrToString`: the RDATA's named parts in name order, then
    /// its main value. (Packetbeat drops the parts that are not Go `int`s,
    /// MX preference and SOA/SRV numbers among them; they are kept here.)
    /// Types Packetbeat writes as RFC 3597 hex get NetSift's presentation text.
    static func packetbeatRecord(_ record: DNSRecord) -> String {
        switch record.data {
        case .address(let address): "\(address)"
        case .name(let name): absolute(name)
        case .mx(let preference, let exchange): "preference \(preference), \(absolute(exchange))"
        case .txt(let strings): strings.joined(separator: " ")
        case .soa(let soa):
            "expire \(soa.expire), minimum \(soa.minimum), refresh \(soa.refresh), retry \(soa.retry), "
                + "rname \(absolute(soa.mailbox)), serial \(soa.serial), \(absolute(soa.primary))"
        case .srv(let priority, let weight, let port, let target):
            "port \(port), priority \(priority), weight \(weight), \(absolute(target))"
        case .opt: ""
        case .svcb, .other: record.dataText
        }
    }
}
