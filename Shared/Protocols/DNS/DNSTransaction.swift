import Events

/// A query and its response, or one of them alone: an unanswered query
/// (expired or still open at the end), an unsolicited response, or bytes
/// that were not even a DNS header (`error` set, no message).
public struct DNSTransaction: Sendable, Hashable {
    public enum Transport: String, Sendable, Hashable { case udp, tcp }

    public var transport: Transport
    public var query: DNSMessage?
    public var response: DNSMessage?
    /// Packet times (ns) of the query and of the response.
    public var requestTime: Int64?
    public var responseTime: Int64?
    /// A fault outside the messages: too short for a header, a TCP message cut by a gap or the end.
    public var error: ParseError?

    public enum Status: String, Sendable { case complete, unanswered, unsolicited, malformed }

    public var status: Status {
        switch (query, response) {
        case (.some, .some): .complete
        case (.some, nil): .unanswered
        case (nil, .some): .unsolicited
        case (nil, nil): .malformed
        }
    }

    /// The message flags and question are reported from: the response when there is one.
    public var primary: DNSMessage? { response ?? query }
    public var id: UInt16? { primary?.header.id }
    public var question: DNSQuestion? { query?.question ?? response?.question }
    /// The first fault of the transaction: framing, then query, then response.
    public var firstError: ParseError? { error ?? query?.error ?? response?.error }
}

extension DNSTransaction {
    /// The transaction under ECS names (Packetbeat's for what ECS lacks).
    public var fields: [ProtocolField] {
        var out: [ProtocolField] = []
        out.reserveCapacity(Self.fieldNames.count)
        out.append(ProtocolField("network.transport", .string(transport.rawValue)))
        func add(_ name: String, _ value: ProtocolField.Value) { out.append(ProtocolField(name, value)) }
        if let message = primary {
            let header = message.header
            add("dns.id", .unsigned(header.id))
            add("dns.type", .string(response == nil ? "query" : "answer"))
            add("dns.op_code", .string(DNSOpcode.name(header.flags.opcode)))
            add("dns.header_flags", .strings(header.flags.names))
            add("dns.flags.authoritative", .bool(header.flags.authoritative))
            add("dns.flags.truncated_response", .bool(header.flags.truncated))
            add("dns.flags.recursion_desired", .bool(header.flags.recursionDesired))
            add("dns.flags.recursion_available", .bool(header.flags.recursionAvailable))
            add("dns.flags.authentic_data", .bool(header.flags.authenticData))
            add("dns.flags.checking_disabled", .bool(header.flags.checkingDisabled))
        }
        if let question {
            add("dns.question.name", .string(question.name))
            add("dns.question.type", .string(DNSType.name(question.type)))
            add("dns.question.class", .string(DNSClass.name(question.class)))
            if question.nameTruncated { add("dns.question.name_truncated", .bool(true)) }
        }
        if let response {
            var rcode = UInt16(response.header.flags.rcode)
            if case .opt(let edns) = response.edns?.data { rcode |= UInt16(edns.extendedRcode) << 4 }
            add("dns.response_code", .string(DNSResponseCode.name(rcode)))
            add("dns.answers_count", .unsigned(response.header.answerCount))
            add("dns.answers", .list(response.answers.map(Self.recordObject)))
            add("dns.authorities_count", .unsigned(response.header.authorityCount))
            add("dns.authorities", .list(response.authorities.map(Self.recordObject)))
            add("dns.additionals_count", .unsigned(response.header.additionalCount))
            add("dns.additionals", .list(response.additionals.map(Self.recordObject)))
            add("dns.resolved_ip", .strings(resolvedIPs))
        }
        if case .opt(let edns) = (query ?? response)?.edns?.data {
            add("dns.opt.version", .unsigned(edns.version))
            add("dns.opt.do", .bool(edns.dnssecOK))
            add("dns.opt.udp_size", .unsigned(edns.udpPayloadSize))
        }
        if let query { add("source.bytes", .unsigned(query.length)) }
        if let response { add("destination.bytes", .unsigned(response.length)) }
        if let start = requestTime ?? responseTime { add("event.start", .time(start)) }
        if let end = responseTime ?? requestTime { add("event.end", .time(end)) }
        if let start = requestTime, let end = responseTime { add("event.duration", .integer(end - start)) }
        add("status", .string(status == .complete && firstError == nil ? "OK" : "Error"))
        var problems: [String] = []
        if let error = firstError {
            add("error.type", .string(error.kind.rawValue))
            problems.append(error.description)
        }
        if status == .unanswered { problems.append("no response to this query") }
        if status == .unsolicited { problems.append("response without a query") }
        if !problems.isEmpty { add("error.message", .string(problems.joined(separator: "; "))) }
        return out
    }

    /// Every name `fields` can write, in its order, but the booleans it
    /// writes only when true: under `keep_null`, those a transaction has no
    /// value for are written as null.
    public static let fieldNames = [
        "network.transport", "dns.id", "dns.type", "dns.op_code", "dns.header_flags", "dns.flags.authoritative",
        "dns.flags.truncated_response", "dns.flags.recursion_desired", "dns.flags.recursion_available",
        "dns.flags.authentic_data", "dns.flags.checking_disabled", "dns.question.name", "dns.question.type",
        "dns.question.class", "dns.response_code", "dns.answers_count", "dns.answers",
        "dns.authorities_count", "dns.authorities", "dns.additionals_count", "dns.additionals", "dns.resolved_ip",
        "dns.opt.version", "dns.opt.do", "dns.opt.udp_size", "source.bytes", "destination.bytes", "event.start",
        "event.end", "event.duration", "status", "error.type", "error.message",
    ]

    /// The A and AAAA data of the answer section.
    public var resolvedIPs: [String] {
        (response?.answers ?? []).compactMap {
            if case .address(let address) = $0.data { address.description } else { nil }
        }
    }

    static func recordObject(_ record: DNSRecord) -> ProtocolField.Value {
        .object([
            ProtocolField("name", .string(record.name)),
            ProtocolField("type", .string(DNSType.name(record.type))),
            ProtocolField("class", .string(record.type == DNSType.opt ? "\(record.class)" : DNSClass.name(record.class))),
            ProtocolField("ttl", .unsigned(record.ttl)),
            ProtocolField("data", .string(record.dataText)),
        ])
    }
}
