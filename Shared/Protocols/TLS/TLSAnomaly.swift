/// What was wrong or unusual in a connection's handshake; recorded on the
/// transaction while parsing goes on where it can.
public enum TLSAnomaly: String, Hashable, Sendable, CaseIterable {
    /// A direction's bytes do not frame as TLS records (or stopped doing so).
    case notTLS = "not_tls"
    /// A TCP gap: the direction lost record sync and was abandoned.
    case gap
    /// A handshake message longer than the reassembly bound; skipped.
    case handshakeMessageTooLong = "handshake_message_too_long"
    /// An SSLv2-framed ClientHello (flagged, not fingerprinted).
    case sslv2ClientHello = "sslv2_client_hello"
    case malformedClientHello = "malformed_client_hello"
    case malformedServerHello = "malformed_server_hello"
    case malformedCertificateMessage = "malformed_certificate_message"
    /// A certificate whose DER swift-certificates rejects; hashes are kept.
    case unparseableCertificate = "unparseable_certificate"
    /// More certificates than the chain bound; the rest are counted, not parsed.
    case tooManyCertificates = "too_many_certificates"
    /// More extensions, ciphers or names than the per-list bound.
    case listTruncated = "list_truncated"
    /// A second ClientHello that is not a HelloRetryRequest answer.
    case repeatedClientHello = "repeated_client_hello"
}
