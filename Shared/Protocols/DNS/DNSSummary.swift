/// tcpdump's one-line DNS text at its default verbosity (print-domain.c),
/// for `netsift dump`: `22836+ [1au] A? www.tcpdump.org. (56)` and
/// `22836*- 2/2/5 A 192.139.46.66, A 198.199.88.104 (224)`.
extension DNSMessage {
    public var tcpdumpSummary: String {
        let flags = header.flags
        var text = "\(header.id)" + Self.opcodeMark(flags.opcode)
        if flags.isResponse {
            text += Self.rcodeMark(flags.rcode) + (flags.authoritative ? "*" : "") + (flags.recursionAvailable ? "" : "-")
                + (flags.truncated ? "|" : "") + (flags.authenticData ? "$" : "")
            if header.questionCount != 1 { text += " [\(header.questionCount)q]" }
            text += " \(header.answerCount)/\(header.authorityCount)/\(header.additionalCount)"
            text += answers.map { " " + Self.recordText($0) }.joined(separator: ",")
        } else {
            text += (flags.recursionDesired ? "+" : "") + (flags.checkingDisabled ? "%" : "")
            if flags.rawValue & 0x6cf != 0 { text += " [b2&3=0x\(String(flags.rawValue, radix: 16))]" }
            if header.answerCount != 0 { text += " [\(header.answerCount)a]" }
            if header.questionCount != 1 { text += " [\(header.questionCount)q]" }
            if header.authorityCount != 0 { text += " [\(header.authorityCount)n]" }
            if header.additionalCount != 0 { text += " [\(header.additionalCount)au]" }
            if let question { text += " \(DNSType.name(question.type))? \(Self.absolute(question.name))" }
        }
        return text + " (\(length))"
    }

    static func absolute(_ name: String) -> String { name == "." ? "." : name + "." }

    static func recordText(_ record: DNSRecord) -> String {
        let type = DNSType.name(record.type)
        switch record.data {
        case .address(let address): return "\(type) \(address)"
        case .name(let name): return "\(type) \(absolute(name))"
        case .mx(let preference, let exchange): return "MX \(absolute(exchange)) \(preference)"
        case .txt(let strings): return "TXT " + strings.map { "\"\($0)\"" }.joined(separator: " ")
        case .srv(let priority, let weight, let port, let target): return "SRV \(absolute(target)):\(port) \(priority) \(weight)"
        case .soa(let soa): return "SOA \(absolute(soa.primary)) \(absolute(soa.mailbox)) \(soa.serial) \(soa.refresh) \(soa.retry) \(soa.expire) \(soa.minimum)"
        default: return type
        }
    }

    static func opcodeMark(_ opcode: UInt8) -> String {
        switch opcode {
        case 0: ""
        case 1: " inv_q"
        case 2: " stat"
        case 4: " notify"
        case 5: " update"
        default: " op\(opcode)"
        }
    }

    static func rcodeMark(_ rcode: UInt8) -> String {
        let names = ["", " FormErr", " ServFail", " NXDomain", " NotImp", " Refused", " YXDomain", " YXRRSet",
                     " NXRRSet", " NotAuth", " NotZone"]
        return Int(rcode) < names.count ? names[Int(rcode)] : " Resp\(rcode)"
    }
}
