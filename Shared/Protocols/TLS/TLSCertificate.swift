import Crypto
import Dissection
import Foundation
import SwiftASN1
import X509

/// The Certificate handshake message of TLS ≤ 1.2 (RFC 5246 §7.4.2): a
/// chain of DER certificates, leaf first.
enum TLSCertificateMessage {
    /// Certificates parsed per chain; real chains have 2–5. Later ones are counted only.
    static let maxCertificates = 16

    /// The DER of each certificate (at most `maxCertificates`) and how many more there were.
    static func parse(_ body: UnsafeRawBufferPointer) throws(ParseError) -> (certificates: [[UInt8]], skipped: Int) {
        var c = ByteCursor(body)
        let list = try TLSWire.vector24(&c, "certificate list")
        var entries = ByteCursor(list)
        var certificates: [[UInt8]] = []
        var skipped = 0
        while !entries.isAtEnd {
            let der = try TLSWire.vector24(&entries, "certificate")
            if certificates.count < maxCertificates { certificates.append(Array(der)) } else { skipped += 1 }
        }
        return (certificates, skipped)
    }
}

/// What NetSift keeps of one certificate: ECS `x509.*` facts and the DER
/// fingerprints. `parsed` is false when swift-certificates rejects the
/// DER, or is not given it (`TLSRSAKeyCheck`); the fingerprints are still there.
public struct TLSCertificateInfo: Hashable, Sendable {
    /// SHA-1 and SHA-256 of the DER, uppercase hex as ECS asks.
    public var sha1: String
    public var sha256: String
    public var parsed: Bool
    public var subject = TLSDistinguishedName()
    public var issuer = TLSDistinguishedName()
    /// SAN dNSName entries, in certificate order.
    public var dnsNames: [String] = []
    /// SAN iPAddress entries as text.
    public var ipAddresses: [String] = []
    /// Validity bounds, nanoseconds since the Unix epoch.
    public var notBefore: Int64?
    public var notAfter: Int64?
    /// The serial's DER integer bytes, uppercase hex without separators (ECS form).
    public var serialNumber: String?
    /// X.509 version number (1, 2, 3).
    public var version: Int?

    /// ECS `x509.alternative_names`: DNS names, then IP addresses.
    public var alternativeNames: [String] { dnsNames + ipAddresses }

    public init(der: [UInt8]) {
        sha1 = TLSHex.string(Insecure.SHA1.hash(data: der), uppercase: true)
        sha256 = TLSHex.string(SHA256.hash(data: der), uppercase: true)
        guard TLSRSAKeyCheck.safeToParse(der), let certificate = try? Certificate(derEncoded: der) else {
            parsed = false
            return
        }
        parsed = true
        subject = TLSDistinguishedName(certificate.subject)
        issuer = TLSDistinguishedName(certificate.issuer)
        serialNumber = TLSHex.string(certificate.serialNumber.bytes, uppercase: true)
        notBefore = Self.nanoseconds(certificate.notValidBefore)
        notAfter = Self.nanoseconds(certificate.notValidAfter)
        version = certificate.version == .v3 ? 3 : (certificate.version == .v1 ? 1 : 2)
        if let names = try? certificate.extensions.subjectAlternativeNames {
            for name in names {
                switch name {
                case .dnsName(let dns): dnsNames.append(dns)
                case .ipAddress(let octets): if let ip = Self.ipText(octets.bytes) { ipAddresses.append(ip) }
                default: break
                }
            }
        }
    }

    private static func nanoseconds(_ date: Date) -> Int64? {
        let seconds = date.timeIntervalSince1970
        guard seconds.isFinite, abs(seconds) < 9.2e9 else { return nil }
        return Int64(seconds) * 1_000_000_000
    }

    private static func ipText(_ bytes: ArraySlice<UInt8>) -> String? {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        let value = bytes.reduce((high: UInt64(0), low: UInt64(0))) { acc, byte in
            (acc.high << 8 | acc.low >> 56, acc.low << 8 | UInt64(byte))
        }
        let address = bytes.count == 4 ? IPAddress(v4: UInt32(truncatingIfNeeded: value.low))
            : IPAddress(v6High: value.high, v6Low: value.low)
        return address.description
    }
}
