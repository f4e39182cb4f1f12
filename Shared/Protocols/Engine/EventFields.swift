/// Applies a protocol's event options to a transaction's fields:
/// `send_request` / `send_response` add the `request` / `response` text
/// (cut to `maxMessageText` UTF-8 bytes), `tags` adds `tags`, `keep_null`
/// writes every field the transaction has no value for as null.
struct EventFields {
    let options: EventOptions

    init(_ options: EventOptions) { self.options = options }

    func complete(_ own: [ProtocolField], of transaction: ApplicationTransaction) -> [ProtocolField] {
        var out = own
        if options.sendRequest { text("request", transaction.requestText, into: &out) }
        if options.sendResponse { text("response", transaction.responseText, into: &out) }
        if !options.tags.isEmpty { out.append(ProtocolField("tags", .strings(options.tags))) }
        if options.keepNull {
            let present = Set(out.map(\.name))
            out += transaction.proto.fieldNames.filter { !present.contains($0) }.map { ProtocolField($0, .null) }
        }
        return out
    }

    private func text(_ name: String, _ text: String?, into out: inout [ProtocolField]) {
        if let text {
            out.append(ProtocolField(name, .string(Self.cut(text, toUTF8: options.maxMessageText))))
        } else if options.keepNull {
            out.append(ProtocolField(name, .null))
        }
    }

    /// The longest prefix of at most `limit` UTF-8 bytes that ends on a scalar boundary.
    static func cut(_ text: String, toUTF8 limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var end = text.utf8.index(text.utf8.startIndex, offsetBy: max(0, limit))
        while end > text.startIndex, end.samePosition(in: text.unicodeScalars) == nil { end = text.utf8.index(before: end) }
        return String(text[..<end])
    }
}

extension ApplicationProtocol {
    /// Every field name a transaction of the protocol can have.
    var fieldNames: [String] {
        switch self {
        case .dns: DNSTransaction.fieldNames
        case .http: HTTPTransaction.fieldNames
        case .tls: TLSTransaction.fieldNames
        case .dhcp: DHCPTransaction.fieldNames
        case .icmp: ICMPTransaction.fieldNames
        }
    }
}

extension ApplicationTransaction {
    /// The request as `send_request` writes it: DNS as Packetbeat prints a
    /// message, HTTP as received, the others as NetSift's text of them.
    var requestText: String? {
        switch self {
        case .dns(let t, _): t.query?.packetbeatText
        case .http(let t, _): t.request?.message.rawText
        case .tls(let t, _): t.clientText
        case .dhcp(let t, _): t.message.flatMap { $0.isRequest ? $0.text : nil }
        case .icmp(let t, _): t.request.map(t.text(of:))
        }
    }

    var responseText: String? {
        switch self {
        case .dns(let t, _): t.response?.packetbeatText
        case .http(let t, _): t.response?.message.rawText
        case .tls(let t, _): t.serverText
        case .dhcp(let t, _): t.message.flatMap { $0.isRequest ? nil : $0.text }
        case .icmp(let t, _): t.response.map(t.text(of:))
        }
    }
}
