import Events
import Dissection

/// HTTP/1.0 and 1.1 over TCP.
public enum HTTPModule {
    public static let descriptor = ProtocolModule(
        HTTPTransaction.self, defaultPorts: defaultPorts, transports: [IPProtocol.tcp], sniff: sniff
    ) { _, options in
        HTTPSession(transactionTimeout: options.transactionTimeout,
                    raw: HTTPRawKeeping(requests: options.sendRequest, responses: options.sendResponse,
                                        maxBytes: options.maxMessageText))
    }

    /// Packetbeat's default HTTP ports.
    public static let defaultPorts: Set<UInt16> = [80, 8080, 8000, 5000, 8002]

    /// Methods a sniffed request line may start with (RFC 9110, PATCH, WebDAV).
    static let methods: [String] = ["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "CONNECT", "TRACE", "PATCH",
                                    "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "REPORT", "SEARCH"]

    /// A request line of a known method from the client (`GET /x HTTP/1.1`), or
    /// a status line from the server (`HTTP/1.1 200`).
    public static func sniff(_ payload: UnsafeRawBufferPointer, direction: Direction) -> Bool {
        let all = 0 ..< payload.count
        if direction == .toClient {
            return HTTPText.hasPrefix(payload, all, "HTTP/1.") && payload.peek(8) == 0x20
        }
        for method in methods where HTTPText.hasPrefix(payload, all, method) {
            let after = method.utf8.count
            guard payload.peek(after) == 0x20, let next = payload.peek(after + 1), next > 0x20, next < 0x7f else { continue }
            return true
        }
        return false
    }
}

extension HTTPTransaction: ProtocolTransaction {
    public static var dataset: Dataset { .http }

    /// The messages as received.
    public var requestText: String? { request?.message.rawText }
    public var responseText: String? { response?.message.rawText }

    public var summary: String {
        var requestLine = "(no request)"
        if let r = request {
            requestLine = "\(r.method) \(r.target)" + (r.version.isEmpty ? "" : " HTTP/\(r.version)")
            if let host = r.host { requestLine += " Host: \(host)" }
        }
        var status = "(no response)"
        if let r = response { status = "\(r.statusCode)" + (r.statusPhrase.isEmpty ? "" : " \(r.statusPhrase)") }
        return "\(requestLine) → \(status)"
    }
}
