import Events

/// A request paired with its response (either may be missing: a request
/// never answered, a response whose request came before the capture).
public struct HTTPTransaction: Sendable, Hashable {
    public struct Notes: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// The flow ended, the pipelining limit pushed it out, or `transaction_timeout` passed, before a response.
        public static let unanswered = Notes(rawValue: 1 << 0)
        /// A response with no request seen (mid-stream pickup).
        public static let noRequest = Notes(rawValue: 1 << 1)
        /// Parsing of the connection stopped (gap in a head, malformed head): what follows was not seen.
        public static let connectionAbandoned = Notes(rawValue: 1 << 2)
        /// The response switched protocols (101, CONNECT 2xx): the rest of the connection is not HTTP.
        public static let tunnel = Notes(rawValue: 1 << 3)
        /// A response after its request had expired (`transaction_timeout`).
        public static let lateResponse = Notes(rawValue: 1 << 4)
    }

    public var request: HTTPRequest?
    public var response: HTTPResponse?
    public var notes: Notes = []
    public var start: Int64
    public var end: Int64

    public init(request: HTTPRequest?, response: HTTPResponse?, notes: Notes = [], start: Int64, end: Int64) {
        self.request = request
        self.response = response
        self.notes = notes
        self.start = start
        self.end = end
    }

    /// The transaction under ECS / Packetbeat names; NetSift's own under `netsift.http.`.
    public var fields: [ProtocolField] {
        var out = [ProtocolField("event.dataset", .string("http")), ProtocolField("network.protocol", .string("http"))]
        func add(_ name: String, _ value: String?) { if let value, !value.isEmpty { out.append(ProtocolField(name, .string(value))) } }
        out.append(ProtocolField("event.duration", .integer(end - start)))
        if let request {
            add("http.request.method", request.method)
            add("http.version", request.version)
            add("url.original", request.target)
            let url = HTTPURL(target: request.target, host: request.host)
            add("url.scheme", url.scheme)
            add("url.domain", url.domain)
            if let port = url.port { out.append(ProtocolField("url.port", .integer(Int64(port)))) }
            add("url.path", url.path)
            add("url.query", url.query)
            add("user_agent.original", request.userAgent)
            add("http.request.referrer", request.referrer)
            out.append(ProtocolField("netsift.http.request.has_cookie", .bool(request.hasCookie)))
            if !request.cookieNames.isEmpty { out.append(ProtocolField("netsift.http.request.cookie_names", .strings(request.cookieNames))) }
            add("netsift.http.request.authorization_type", request.authorizationType)
            if let user = request.basicUser {
                add("url.username", user)
                add("user.name", user)
                out.append(ProtocolField("netsift.http.cleartext_credentials", .bool(true)))
            }
            out += request.message.fields("request")
        }
        if let response {
            if request == nil { add("http.version", response.version) }
            out.append(ProtocolField("http.response.status_code", .integer(Int64(response.statusCode))))
            add("http.response.status_phrase", response.statusPhrase)
            add("http.response.headers.location", response.location)
            add("http.response.headers.server", response.server)
            out.append(ProtocolField("netsift.http.response.sets_cookie", .bool(response.setsCookie)))
            out += response.message.fields("response")
        }
        let notes: [(Notes, String)] = [(.unanswered, "unanswered"), (.noRequest, "no_request"),
                                        (.connectionAbandoned, "connection_abandoned"), (.tunnel, "tunnel"),
                                        (.lateResponse, "late_response")]
        let named = notes.filter { self.notes.contains($0.0) }.map(\.1)
        if !named.isEmpty { out.append(ProtocolField("netsift.http.notes", .strings(named))) }
        return out
    }
}

extension HTTPTransaction {
    /// Every name `fields` can write, in its order, but the booleans it
    /// writes only when true: under `keep_null`, those a transaction has no
    /// value for are written as null.
    public static let fieldNames: [String] = {
        func message(_ side: String) -> [String] {
            ["http.\(side).mime_type", "http.\(side).headers.content-length", "http.\(side).headers.content-encoding",
             "http.\(side).headers.transfer-encoding", "netsift.http.\(side).header_names", "http.\(side).bytes",
             "http.\(side).body.bytes", "netsift.http.\(side).body.decoded_bytes", "netsift.http.\(side).anomalies"]
        }
        return ["event.dataset", "network.protocol", "event.duration", "http.request.method", "http.version", "url.original",
                "url.scheme", "url.domain", "url.port", "url.path", "url.query", "user_agent.original",
                "http.request.referrer", "netsift.http.request.has_cookie", "netsift.http.request.cookie_names",
                "netsift.http.request.authorization_type", "url.username", "user.name"]
            + message("request")
            + ["http.response.status_code", "http.response.status_phrase", "http.response.headers.location",
               "http.response.headers.server", "netsift.http.response.sets_cookie"]
            + message("response") + ["netsift.http.notes"]
    }()
}

/// The parts of a request target, with the Host field for origin-form targets.
struct HTTPURL {
    var scheme: String?
    var domain: String?
    var port: Int?
    var path: String?
    var query: String?

    init(target: String, host: String?) {
        var rest = Substring(target)
        var authority: Substring? = host.map { Substring($0) }
        if let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://"), colon > rest.startIndex,
           rest[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }) {
            scheme = rest[..<colon].lowercased()
            rest = rest[rest.index(colon, offsetBy: 3)...]
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
            authority = rest[..<authorityEnd]
            rest = rest[authorityEnd...]
        } else if !rest.hasPrefix("/") && rest != "*" {
            // CONNECT's authority-form: host:port only.
            authority = rest
            rest = ""
        }
        if let authority {
            let hostPart = authority.split(separator: "@", omittingEmptySubsequences: false).last ?? authority
            if hostPart.hasPrefix("["), let close = hostPart.firstIndex(of: "]") {
                // ECS keeps the brackets of a literal IPv6 address.
                domain = String(hostPart[...close])
                let after = hostPart[hostPart.index(after: close)...]
                if after.hasPrefix(":") { port = Int(after.dropFirst()) }
            } else if let colon = hostPart.lastIndex(of: ":") {
                domain = String(hostPart[..<colon])
                port = Int(hostPart[hostPart.index(after: colon)...])
            } else {
                domain = String(hostPart)
            }
            if domain?.isEmpty == true { domain = nil }
        }
        if !rest.isEmpty {
            if let question = rest.firstIndex(of: "?") {
                path = String(rest[..<question])
                query = String(rest[rest.index(after: question)...])
            } else {
                path = String(rest)
            }
        }
    }
}
