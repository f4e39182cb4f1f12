/// Which messages an HTTP session keeps as received, for Packetbeat's
/// `request` and `response` fields (`send_request`, `send_response`).
public struct HTTPRawKeeping: Sendable, Hashable {
    public var requests = false
    public var responses = false
    /// Bytes kept per message, head first.
    public var maxBytes = 64 << 10

    public init(requests: Bool = false, responses: Bool = false, maxBytes: Int = 64 << 10) {
        self.requests = requests
        self.responses = responses
        self.maxBytes = maxBytes
    }

    func keeps(_ direction: Direction) -> Bool { direction == .toServer ? requests : responses }
}

/// A message as received: its head with the credentials of Authorization
/// and Proxy-Authorization masked (NetSift never keeps a password), then
/// its body when the body is text sent without a content coding.
enum HTTPRawMessage {
    static func head(_ head: HTTPHead, in bytes: UnsafeRawBufferPointer, limit: Int) -> [UInt8] {
        var raw = Array(UnsafeRawBufferPointer(rebasing: bytes[0 ..< min(head.length, limit, bytes.count)]))
        for field in head.fields where isCredentials(bytes, field.name) {
            // `Basic dXNlcjpwYXNz` keeps its scheme: `Basic ****************`.
            let value = field.value.clamped(to: 0 ..< raw.count)
            let start = value.first { raw[$0] == 0x20 }.map { $0 + 1 } ?? value.lowerBound
            for index in start ..< value.upperBound { raw[index] = UInt8(ascii: "*") }
        }
        return raw
    }

    /// Media types whose bodies are text: `text/*` and the JSON, XML,
    /// JavaScript and form types (Packetbeat's usual `include_body_for`).
    static func bodyIsText(contentType: String?, contentEncoding: String?) -> Bool {
        if let coding = contentEncoding?.lowercased(), !coding.isEmpty, coding != "identity" { return false }
        guard let type = contentType?.lowercased() else { return false }
        return type.hasPrefix("text/") || ["json", "xml", "javascript", "x-www-form-urlencoded"].contains { type.contains($0) }
    }

    private static func isCredentials(_ bytes: UnsafeRawBufferPointer, _ name: Range<Int>) -> Bool {
        HTTPText.equalsIgnoringCase(bytes, name, "authorization") || HTTPText.equalsIgnoringCase(bytes, name, "proxy-authorization")
    }
}
