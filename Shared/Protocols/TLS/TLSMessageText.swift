/// The text of each side of a handshake, for `request` (the client's) and
/// `response` (the server's) under `send_request` / `send_response`.
/// Packetbeat's TLS module writes neither field; NetSift names what each
/// side sent in the clear, in handshake order, parts separated by `; `.
extension TLSTransaction {
    /// `ClientHello TLS 1.2; server_name example.com; alpn h2,http/1.1;
    /// supported_versions TLS 1.3,TLS 1.2; cipher_suites …; extensions 0,23,…`.
    public var clientText: String? {
        var parts: [String] = []
        if let hello = clientHello {
            parts.append("ClientHello \(hello.legacyVersion.name)")
            if let name = hello.serverName { parts.append("server_name \(name)") }
            if !hello.alpn.isEmpty { parts.append("alpn " + hello.alpn.joined(separator: ",")) }
            let versions = hello.supportedVersions.filter { !$0.isGREASE }
            if !versions.isEmpty { parts.append("supported_versions " + versions.map(\.name).joined(separator: ",")) }
            parts.append("cipher_suites " + hello.cipherSuites.map(Self.cipherName).joined(separator: ","))
            parts.append("extensions " + hello.extensions.map { String($0) }.joined(separator: ","))
        } else if let version = sslv2ClientHello {
            parts.append("SSLv2 ClientHello \(version.name)")
        }
        if !clientCertificates.isEmpty { parts.append("certificates " + Self.chain(clientCertificates)) }
        parts += alerts.filter { !$0.fromServer }.map(Self.alertText)
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    /// `ServerHello TLS 1.3; cipher_suite TLS_AES_128_GCM_SHA256; alpn h2;
    /// extensions 43,51; certificates encrypted`.
    public var serverText: String? {
        var parts: [String] = []
        if let hello = serverHello {
            parts.append((hello.isHelloRetryRequest ? "HelloRetryRequest " : "ServerHello ") + hello.version.name)
            parts.append("cipher_suite " + Self.cipherName(hello.cipherSuite))
            if let alpn = hello.alpn { parts.append("alpn \(alpn)") }
            parts.append("extensions " + hello.extensions.map { String($0) }.joined(separator: ","))
        }
        if !serverCertificates.isEmpty {
            parts.append("certificates " + Self.chain(serverCertificates))
        } else if certificatesEncrypted {
            parts.append("certificates encrypted")
        }
        if clientCertificateRequested { parts.append("certificate_request") }
        parts += alerts.filter(\.fromServer).map(Self.alertText)
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    static func cipherName(_ suite: UInt16) -> String { TLSCipherSuites.name(suite) ?? "0x" + TLSHex.hex16(suite) }

    /// Subjects leaf first; a certificate that did not parse by its SHA-256.
    static func chain(_ certificates: [TLSCertificateInfo]) -> String {
        certificates.map { $0.parsed ? $0.subject.distinguishedName : "sha256 " + $0.sha256 }.joined(separator: " | ")
    }

    static func alertText(_ alert: TLSAlert) -> String { "alert \(alert.isFatal ? "fatal" : "warning") \(alert.name)" }
}
