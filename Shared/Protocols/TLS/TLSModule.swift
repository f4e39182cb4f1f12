import Dissection

/// The TLS module: Packetbeat's default TLS ports, and a sniff that knows a
/// ClientHello record on any port.
public enum TLSModule: ProtocolModule {
    public static let name = "tls"
    /// Packetbeat's `tls.ports` default: HTTPS, IMAPS, POP3S, XMPP (Apple push), 8443, MQTT over TLS, Elasticsearch (9243).
    public static let defaultPorts: Set<UInt16> = [443, 993, 995, 5223, 8443, 8883, 9243]

    /// A handshake record (TLS/SSLv3 version) whose first message is a
    /// ClientHello, or an SSLv2-framed ClientHello.
    public static func sniff(_ payload: UnsafeRawBufferPointer, direction: Direction) -> Bool {
        let cursor = ByteCursor(payload)
        if TLSRecordHeader.isSSLv2ClientHello(cursor) { return true }
        guard let header = try? TLSRecordHeader.parse(cursor), header.contentType == .handshake,
              header.length >= 4, cursor.peekUInt8(at: 5) == 1, let major = cursor.peekUInt8(at: 9) else { return false }
        return major == 3
    }

    public static func makeSession() -> TLSSession { TLSSession() }
}
