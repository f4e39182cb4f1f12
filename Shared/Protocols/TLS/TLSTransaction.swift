import Events

/// A TLS alert record seen in plaintext.
public struct TLSAlert: Hashable, Sendable {
    public var level: UInt8
    public var description: UInt8
    public var fromServer: Bool

    public var isFatal: Bool { level == 2 }
    /// RFC 8446 §6 / RFC 5246 §7.2 name, as Packetbeat's `tls.detailed.alert_types` prints it.
    public var name: String { Self.names[description] ?? "unknown_\(description)" }

    private static let names: [UInt8: String] = [
        0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 21: "decryption_failed",
        22: "record_overflow", 30: "decompression_failure", 40: "handshake_failure", 41: "no_certificate",
        42: "bad_certificate", 43: "unsupported_certificate", 44: "certificate_revoked", 45: "certificate_expired",
        46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca", 49: "access_denied", 50: "decode_error",
        51: "decrypt_error", 60: "export_restriction", 70: "protocol_version", 71: "insufficient_security",
        80: "internal_error", 86: "inappropriate_fallback", 90: "user_canceled", 100: "no_renegotiation",
        109: "missing_extension", 110: "unsupported_extension", 111: "certificate_unobtainable",
        112: "unrecognized_name", 113: "bad_certificate_status_response", 114: "bad_certificate_hash_value",
        115: "unknown_psk_identity", 116: "certificate_required", 120: "no_application_protocol",
    ]
}

/// One connection's handshake: what the client offered, what the server
/// chose, the certificate chains, and how it ended.
public struct TLSTransaction: Sendable {
    /// First and last byte times (ns) the transaction covers.
    public var start: Int64 = 0
    public var end: Int64 = 0
    /// The first ClientHello (a second one after HelloRetryRequest does not replace it).
    public var clientHello: TLSClientHello?
    /// The ServerHello that completed negotiation (or the HelloRetryRequest, if nothing followed).
    public var serverHello: TLSServerHello?
    public var helloRetryRequest = false
    /// Version of an SSLv2-framed ClientHello, when the client sent one.
    public var sslv2ClientHello: TLSVersion?
    /// Leaf first.
    public var serverCertificates: [TLSCertificateInfo] = []
    public var clientCertificates: [TLSCertificateInfo] = []
    /// TLS 1.3: certificates travel encrypted, so none can be read.
    public var certificatesEncrypted = false
    public var clientCertificateRequested = false
    /// Both directions switched to encrypted records and no fatal alert was seen.
    public var established = false
    public var resumed = false
    public var alerts: [TLSAlert] = []
    public var anomalies: [TLSAnomaly] = []
    /// Bytes the record readers skipped (oversized messages, unparseable tails).
    public var droppedBytes = 0

    public init() {}

    /// The negotiated version, else the client's.
    public var version: TLSVersion? {
        serverHello.map(\.version) ?? clientHello.map(\.highestVersion) ?? sslv2ClientHello
    }

    public var ja3String: String? { clientHello.map(TLSFingerprint.ja3String) }
    public var ja3: String? { ja3String.map(TLSFingerprint.md5) }
    public var ja3sString: String? { serverHello.map(TLSFingerprint.ja3sString) }
    public var ja3s: String? { ja3sString.map(TLSFingerprint.md5) }
    public var ja4: String? { clientHello.map { TLSFingerprint.ja4($0) } }

    mutating func flag(_ anomaly: TLSAnomaly) {
        if !anomalies.contains(anomaly) { anomalies.append(anomaly) }
    }

    /// The transaction under ECS names (Packetbeat's `tls.detailed.*` for what ECS lacks).
    public var fields: [ProtocolField] {
        var out: [ProtocolField] = []
        func add(_ name: String, _ value: String?) { if let value { out.append(ProtocolField(name, .string(value))) } }
        func add(_ name: String, _ values: [String]) { if !values.isEmpty { out.append(ProtocolField(name, .strings(values))) } }
        if let version {
            add("tls.version", version.ecsVersion)
            add("tls.version_protocol", version.ecsProtocol)
            add("tls.detailed.version", version.name)
        }
        if let server = serverHello, !server.isHelloRetryRequest {
            add("tls.cipher", TLSCipherSuites.name(server.cipherSuite) ?? "0x" + TLSHex.hex16(server.cipherSuite))
            add("tls.next_protocol", server.alpn)
        }
        out.append(ProtocolField("tls.established", .bool(established)))
        out.append(ProtocolField("tls.resumed", .bool(resumed)))
        if let client = clientHello {
            add("tls.client.server_name", client.serverName)
            add("tls.client.ja3", ja3)
            add("tls.client.ja3_string", ja3String)
            add("tls.client.ja4", ja4)
            add("tls.client.supported_ciphers", client.cipherSuites.filter { !TLSGrease.contains($0) }
                .map { TLSCipherSuites.name($0) ?? "0x" + TLSHex.hex16($0) })
            add("tls.detailed.client_hello.version", client.legacyVersion.name)
            add("tls.detailed.client_hello.extensions.application_layer_protocol_negotiation", client.alpn)
            add("tls.detailed.client_hello.extensions.supported_versions",
                client.supportedVersions.filter { !$0.isGREASE }.map(\.name))
        }
        if let server = serverHello {
            add("tls.server.ja3s", ja3s)
            add("tls.server.ja3s_string", ja3sString)
            add("tls.detailed.server_hello.version", server.legacyVersion.name)
        }
        if sslv2ClientHello != nil { out.append(ProtocolField("tls.detailed.sslv2_client_hello", .bool(true))) }
        if let leaf = serverCertificates.first { out += Self.certificateFields(leaf, prefix: "tls.server") }
        if let leaf = clientCertificates.first { out += Self.certificateFields(leaf, prefix: "tls.client") }
        if serverCertificates.count > 1 {
            add("tls.detailed.server_certificate_chain.subject", serverCertificates.dropFirst().map(\.subject.distinguishedName))
        }
        if certificatesEncrypted { out.append(ProtocolField("tls.detailed.certificates_encrypted", .bool(true))) }
        if clientCertificateRequested { out.append(ProtocolField("tls.detailed.client_certificate_requested", .bool(true))) }
        add("tls.detailed.alert_types", alerts.map(\.name))
        add("event.anomalies", anomalies.map(\.rawValue))
        return out
    }

    /// Every name `fields` can write, in its order, but the booleans it
    /// writes only when true: under `keep_null`, those a transaction has no
    /// value for are written as null.
    public static let fieldNames: [String] = {
        func certificate(_ prefix: String) -> [String] {
            let x509 = "\(prefix).x509"
            var names = ["\(prefix).hash.sha1", "\(prefix).hash.sha256", "\(prefix).subject", "\(prefix).issuer",
                         "\(x509).subject.distinguished_name", "\(x509).issuer.distinguished_name"]
            for role in ["subject", "issuer"] { names += nameParts.map { "\(x509).\(role).\($0)" } }
            return names + ["\(x509).alternative_names", "\(x509).not_before", "\(prefix).not_before", "\(x509).not_after",
                            "\(prefix).not_after", "\(x509).serial_number", "\(x509).version_number"]
        }
        return ["tls.version", "tls.version_protocol", "tls.detailed.version", "tls.cipher", "tls.next_protocol",
                "tls.established", "tls.resumed", "tls.client.server_name", "tls.client.ja3", "tls.client.ja3_string",
                "tls.client.ja4", "tls.client.supported_ciphers", "tls.detailed.client_hello.version",
                "tls.detailed.client_hello.extensions.application_layer_protocol_negotiation",
                "tls.detailed.client_hello.extensions.supported_versions", "tls.server.ja3s", "tls.server.ja3s_string",
                "tls.detailed.server_hello.version"]
            + certificate("tls.server") + certificate("tls.client")
            + ["tls.detailed.server_certificate_chain.subject", "tls.detailed.alert_types", "event.anomalies"]
    }()

    /// The x509 name parts written per subject and issuer, in order.
    static let nameParts = ["common_name", "organization", "organizational_unit", "country", "locality", "state_or_province"]

    static func certificateFields(_ cert: TLSCertificateInfo, prefix: String) -> [ProtocolField] {
        var out: [ProtocolField] = [
            ProtocolField("\(prefix).hash.sha1", .string(cert.sha1)), ProtocolField("\(prefix).hash.sha256", .string(cert.sha256)),
        ]
        guard cert.parsed else { return out }
        let x509 = "\(prefix).x509"
        out.append(ProtocolField("\(prefix).subject", .string(cert.subject.rfc4514)))
        out.append(ProtocolField("\(prefix).issuer", .string(cert.issuer.rfc4514)))
        out.append(ProtocolField("\(x509).subject.distinguished_name", .string(cert.subject.distinguishedName)))
        out.append(ProtocolField("\(x509).issuer.distinguished_name", .string(cert.issuer.distinguishedName)))
        for (role, name) in [("subject", cert.subject), ("issuer", cert.issuer)] {
            let parts = [name.commonNames, name.organizations, name.organizationalUnits, name.countries, name.localities,
                         name.stateOrProvinces]
            for (field, values) in zip(nameParts, parts) where !values.isEmpty {
                out.append(ProtocolField("\(x509).\(role).\(field)", .strings(values)))
            }
        }
        if !cert.alternativeNames.isEmpty { out.append(ProtocolField("\(x509).alternative_names", .strings(cert.alternativeNames))) }
        if let notBefore = cert.notBefore {
            out.append(ProtocolField("\(x509).not_before", .time(notBefore)))
            out.append(ProtocolField("\(prefix).not_before", .time(notBefore)))
        }
        if let notAfter = cert.notAfter {
            out.append(ProtocolField("\(x509).not_after", .time(notAfter)))
            out.append(ProtocolField("\(prefix).not_after", .time(notAfter)))
        }
        if let serial = cert.serialNumber { out.append(ProtocolField("\(x509).serial_number", .string(serial))) }
        if let version = cert.version { out.append(ProtocolField("\(x509).version_number", .string(String(version)))) }
        return out
    }
}
