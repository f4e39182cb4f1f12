import Events

/// Applies a protocol's event options to a transaction's fields:
/// `send_request` / `send_response` add the `request` / `response` text
/// (cut to `maxMessageText` UTF-8 bytes), `tags` adds `tags`, `keep_null`
/// writes every field the transaction has no value for as null.
struct EventFields {
    let options: EventOptions

    init(_ options: EventOptions) { self.options = options }

    func complete(_ transaction: any ProtocolTransaction) -> [ProtocolField] {
        var out = transaction.fields
        if options.sendRequest { text("request", transaction.requestText, into: &out) }
        if options.sendResponse { text("response", transaction.responseText, into: &out) }
        if !options.tags.isEmpty { out.append(ProtocolField("tags", .strings(options.tags))) }
        if options.keepNull {
            let present = Set(out.map(\.name))
            out += type(of: transaction).fieldNames.filter { !present.contains($0) }.map { ProtocolField($0, .null) }
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
