import Events

/// What requests and responses share: version, the framing and content
/// header fields, header names, sizes, anomalies, time.
public struct HTTPMessageInfo: Sendable, Hashable {
    /// "1.1", "1.0"; empty when a gap cut the start line before it.
    public var version = ""
    public var contentType: String?
    public var contentLength: String?
    public var contentEncoding: String?
    public var transferEncoding: String?
    /// Header names in order, lowercased.
    public var headerNames: [String] = []
    public var headBytes = 0
    public var body = HTTPBodySize()
    public var anomalies: HTTPAnomalies = []
    /// Packet time (ns) of the head.
    public var time: Int64 = 0
    /// Packet time of the last byte: the head's until the body ends.
    public var endTime: Int64 = 0
    /// The message as received (`HTTPRawMessage`), when the session keeps it.
    public var raw: [UInt8]?

    public init() {}

    public var rawText: String? { raw.map { String(decoding: $0, as: UTF8.self) } }

    mutating func fill(from fields: HTTPHeadFields) {
        contentType = fields.contentType
        contentLength = fields.contentLength
        contentEncoding = fields.contentEncoding
        transferEncoding = fields.transferEncoding
        headerNames = fields.names
    }

    /// Its fields under `http.request.` or `http.response.` (`side`).
    func fields(_ side: String) -> [ProtocolField] {
        var out: [ProtocolField] = []
        let headers: [(String, String?)] = [("mime_type", contentType), ("headers.content-length", contentLength),
                                            ("headers.content-encoding", contentEncoding),
                                            ("headers.transfer-encoding", transferEncoding)]
        for case let (name, value?) in headers where !value.isEmpty { out.append(ProtocolField("http.\(side).\(name)", .string(value))) }
        out.append(ProtocolField("netsift.http.\(side).header_names", .strings(headerNames)))
        out.append(ProtocolField("http.\(side).bytes", .integer(Int64(headBytes) + body.wireBytes)))
        out.append(ProtocolField("http.\(side).body.bytes", .integer(body.bytes)))
        if let decoded = body.decodedBytes { out.append(ProtocolField("netsift.http.\(side).body.decoded_bytes", .integer(decoded))) }
        if !anomalies.isEmpty { out.append(ProtocolField("netsift.http.\(side).anomalies", .strings(anomalies.names))) }
        return out
    }
}

/// What NetSift keeps of a request: the start line, the header fields it
/// reports, and the body's sizes. Owned values, copied out of the head.
@dynamicMemberLookup
public struct HTTPRequest: Sendable, Hashable {
    public var method = ""
    /// The request target as sent (`url.original`).
    public var target = ""
    public var host: String?
    public var userAgent: String?
    public var referrer: String?
    public var hasCookie = false
    public var cookieNames: [String] = []
    /// The Authorization scheme (`basic`, `bearer`, ...), lowercased.
    public var authorizationType: String?
    /// The Basic user name; the password is never kept.
    public var basicUser: String?
    public var message = HTTPMessageInfo()

    public init() {}

    public subscript<T>(dynamicMember path: WritableKeyPath<HTTPMessageInfo, T>) -> T {
        get { message[keyPath: path] }
        set { message[keyPath: path] = newValue }
    }
}

@dynamicMemberLookup
public struct HTTPResponse: Sendable, Hashable {
    public var statusCode = 0
    public var statusPhrase = ""
    public var location: String?
    public var server: String?
    public var setsCookie = false
    public var message = HTTPMessageInfo()

    public init() {}

    public subscript<T>(dynamicMember path: WritableKeyPath<HTTPMessageInfo, T>) -> T {
        get { message[keyPath: path] }
        set { message[keyPath: path] = newValue }
    }
}

public struct HTTPBodySize: Sendable, Hashable {
    /// Content bytes (de-chunked, still content-encoded), gaps included.
    public var bytes: Int64 = 0
    /// Bytes on the wire, chunk framing and trailers included.
    public var wireBytes: Int64 = 0
    /// Size after gzip/deflate Content-Encoding, when it could be decoded in full.
    public var decodedBytes: Int64?

    public init() {}
}

/// Header values of a head, picked by name, shared by requests and responses.
struct HTTPHeadFields {
    var contentLengths: [String] = []
    var transferEncoding: String?
    var contentType: String?
    var contentEncoding: String?
    var names: [String] = []
    var values = KeptValues()

    /// Values of the header names that are kept (none of the framing ones), by name.
    struct KeptValues {
        private var host, userAgent, referer, authorization, proxyAuthorization, cookie, location, server, setCookie,
                    connection, upgrade: String?

        subscript(name: HTTPHeaderName) -> String? {
            get {
                switch name {
                case .host: host
                case .userAgent: userAgent
                case .referer: referer
                case .authorization: authorization
                case .proxyAuthorization: proxyAuthorization
                case .cookie: cookie
                case .location: location
                case .server: server
                case .setCookie: setCookie
                case .connection: connection
                case .upgrade: upgrade
                case .contentLength, .transferEncoding, .contentType, .contentEncoding: nil
                }
            }
            set {
                switch name {
                case .host: host = newValue
                case .userAgent: userAgent = newValue
                case .referer: referer = newValue
                case .authorization: authorization = newValue
                case .proxyAuthorization: proxyAuthorization = newValue
                case .cookie: cookie = newValue
                case .location: location = newValue
                case .server: server = newValue
                case .setCookie: setCookie = newValue
                case .connection: connection = newValue
                case .upgrade: upgrade = newValue
                case .contentLength, .transferEncoding, .contentType, .contentEncoding: break
                }
            }
        }
    }

    init(_ head: HTTPHead, in bytes: UnsafeRawBufferPointer) {
        names.reserveCapacity(head.fields.count)
        for field in head.fields {
            let name = HTTPText.lowercasedString(bytes, field.name)
            names.append(name)
            guard let known = HTTPHeaderName(name) else { continue }
            switch known {
            case .contentLength: contentLengths.append(HTTPText.string(bytes, field.value))
            case .transferEncoding: transferEncoding = join(transferEncoding, HTTPText.string(bytes, field.value))
            case .contentType: contentType = contentType ?? HTTPText.string(bytes, field.value)
            case .contentEncoding: contentEncoding = join(contentEncoding, HTTPText.string(bytes, field.value))
            default:
                // Repeated fields combine as a list (RFC 9110 5.3); cookies with "; ".
                let value = HTTPText.string(bytes, field.value)
                values[known] = values[known].map { $0 + (known == .cookie ? "; " : ", ") + value } ?? value
            }
        }
    }

    private func join(_ old: String?, _ new: String) -> String { old.map { "\($0), \(new)" } ?? new }

    var contentLength: String? { contentLengths.first }

    /// The body length the Content-Length fields give, with their faults.
    func declaredLength(_ anomalies: inout HTTPAnomalies) -> Int64?? {
        guard let first = contentLengths.first else { return .none }
        // The usual case, one field of plain digits, without splitting and trimming.
        if contentLengths.count == 1, first.utf8.count <= 18, first.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
           let value = Int64(first) {
            return .some(value)
        }
        // "42, 42" and repeated equal fields are one length (RFC 9110 8.6).
        let parts = contentLengths.flatMap { $0.split(separator: ",").map { $0.trimmingSpaces } }
        guard let value = Int64(first.split(separator: ",").first.map { $0.trimmingSpaces } ?? ""), value >= 0,
              parts.allSatisfy({ Int64($0) == value }) else {
            anomalies.insert(parts.allSatisfy { Int64($0) != nil } ? .conflictingContentLength : .invalidContentLength)
            return .some(nil)
        }
        return .some(value)
    }

    /// Whether Transfer-Encoding names chunked as its final coding; nil without the field.
    var chunkedIsFinal: Bool? {
        guard let transferEncoding else { return nil }
        let last = transferEncoding.split(separator: ",").last.map { $0.trimmingSpaces.lowercased() }
        return last == "chunked"
    }
}

/// The header names a head's fields are read for: framing and content
/// fields, and those whose values are kept.
enum HTTPHeaderName {
    case contentLength, transferEncoding, contentType, contentEncoding
    case host, userAgent, referer, authorization, proxyAuthorization, cookie, location, server, setCookie, connection, upgrade

    /// From a lowercased name; nil for the names nothing reads. Sorted by length first: most names are of none.
    init?(_ name: String) {
        let known: HTTPHeaderName? = switch name.utf8.count {
        case 4: name == "host" ? .host : nil
        case 6: name == "cookie" ? .cookie : name == "server" ? .server : nil
        case 7: name == "referer" ? .referer : name == "upgrade" ? .upgrade : nil
        case 8: name == "location" ? .location : nil
        case 10: name == "user-agent" ? .userAgent : name == "set-cookie" ? .setCookie : name == "connection" ? .connection : nil
        case 12: name == "content-type" ? .contentType : nil
        case 13: name == "authorization" ? .authorization : nil
        case 14: name == "content-length" ? .contentLength : nil
        case 16: name == "content-encoding" ? .contentEncoding : nil
        case 17: name == "transfer-encoding" ? .transferEncoding : nil
        case 19: name == "proxy-authorization" ? .proxyAuthorization : nil
        default: nil
        }
        guard let known else { return nil }
        self = known
    }
}

extension Substring {
    var trimmingSpaces: String {
        var trimmed = self
        while let first = trimmed.first, first == " " || first == "\t" { trimmed.removeFirst() }
        while let last = trimmed.last, last == " " || last == "\t" { trimmed.removeLast() }
        return String(trimmed)
    }
}
