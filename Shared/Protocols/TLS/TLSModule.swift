import Events
import Dissection

/// The TLS module: Packetbeat's default TLS ports, and a sniff that knows a
/// ClientHello record on any port.
public enum TLSModule {
    public static let descriptor = ProtocolModule(
        TLSTransaction.self, defaultPorts: defaultPorts, transports: [IPProtocol.tcp], oneTransactionPerFlow: true,
        sniff: sniff
    ) { _, options in TLSSession(transactionTimeout: options.transactionTimeout) }

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
}

extension TLSTransaction: ProtocolTransaction {
    public static var dataset: Dataset { .tls }

    /// NetSift's text of the client's and the server's handshake messages.
    public var requestText: String? { clientText }
    public var responseText: String? { serverText }

    public var summary: String {
        let fields = self.fields
        func text(_ name: String) -> String? { if case .string(let v)? = fields[field: name] { v } else { nil } }
        var client = "(no ClientHello)"
        if clientHello != nil {
            client = "ClientHello"
            if let sni = text("tls.client.server_name") { client += " SNI=\(sni)" }
            if let ja3 { client += " JA3=\(ja3)" }
            if let ja4 { client += " JA4=\(ja4)" }
        } else if sslv2ClientHello != nil {
            client = "SSLv2 ClientHello"
        }
        var server = "(no ServerHello)"
        if serverHello != nil {
            server = "ServerHello"
            if let version = text("tls.detailed.version") { server += " \(version)" }
            if let cipher = text("tls.cipher") { server += " cipher \(cipher)" }
        }
        var line = "\(client) → \(server)"
        if let subject = text("tls.server.x509.subject.distinguished_name") { line += " cert \(subject)" }
        if !alerts.isEmpty { line += " alert " + alerts.map(\.name).joined(separator: ",") }
        return line
    }
}
