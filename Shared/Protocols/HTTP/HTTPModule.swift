/// HTTP/1.0 and 1.1 over TCP.
public enum HTTPModule: ProtocolModule {
    public static let name = "http"
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

    public static func makeSession() -> HTTPSession { HTTPSession() }
}
