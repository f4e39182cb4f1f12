import Crypto

/// JA3 / JA3S (Salesforce) and JA4 (FoxIO, the BSD-licensed client
/// fingerprint only: JA4S, JA4H, JA4X and the other JA4+ methods are under
/// FoxIO's restrictive licence and are deliberately not computed).
public enum TLSFingerprint {
    /// JA3 string: `version,ciphers,extensions,groups,point_formats`, decimal,
    /// `-` within a field, GREASE removed from ciphers, extensions and groups.
    public static func ja3String(_ hello: TLSClientHello) -> String {
        [String(hello.legacyVersion.rawValue),
         decimal(hello.cipherSuites.filter { !TLSGrease.contains($0) }),
         decimal(hello.extensions.filter { !TLSGrease.contains($0) }),
         decimal(hello.supportedGroups.filter { !TLSGrease.contains($0) }),
         hello.ecPointFormats.map(String.init).joined(separator: "-")].joined(separator: ",")
    }

    /// JA3S string: `version,cipher,extensions` of the ServerHello.
    public static func ja3sString(_ hello: TLSServerHello) -> String {
        [String(hello.legacyVersion.rawValue), String(hello.cipherSuite),
         decimal(hello.extensions.filter { !TLSGrease.contains($0) })].joined(separator: ",")
    }

    /// Lowercase hex MD5 of a JA3/JA3S string.
    public static func md5(_ text: String) -> String {
        TLSHex.string(Insecure.MD5.hash(data: Array(text.utf8)))
    }

    /// JA4 of a ClientHello seen over TCP (`t`) or QUIC (`q`), per FoxIO's
    /// specification: `a_b_c` with
    /// a = protocol, version (highest non-GREASE supported_versions, else
    ///     legacy), `d`/`i` for SNI present or not, cipher and extension
    ///     counts (GREASE excluded, two digits, at most 99), first and last
    ///     character of the first ALPN value (`00` without ALPN);
    /// b = first 12 hex digits of SHA-256 over the sorted cipher list;
    /// c = the same over the sorted extensions without SNI and ALPN, then
    ///     `_` and the signature algorithms in wire order.
    public static func ja4(_ hello: TLSClientHello, quic: Bool = false) -> String {
        let ciphers = hello.cipherSuites.filter { !TLSGrease.contains($0) }
        let extensions = hello.extensions.filter { !TLSGrease.contains($0) }
        let a = (quic ? "q" : "t") + ja4Version(hello.highestVersion)
            + (extensions.contains(TLSExtension.serverName) ? "d" : "i")
            + twoDigits(ciphers.count) + twoDigits(extensions.count) + ja4ALPN(hello.alpnProtocols.first)
        let b = truncatedHash(ciphers.sorted().map(TLSHex.hex16).joined(separator: ","))
        let kept = extensions.filter { $0 != TLSExtension.serverName && $0 != TLSExtension.alpn }.sorted()
        let signatures = hello.signatureAlgorithms.filter { !TLSGrease.contains($0) }
        var c = kept.map(TLSHex.hex16).joined(separator: ",")
        if !signatures.isEmpty { c += "_" + signatures.map(TLSHex.hex16).joined(separator: ",") }
        return "\(a)_\(b)_\(kept.isEmpty ? String(repeating: "0", count: 12) : truncatedHash(c))"
    }

    static func ja4Version(_ version: TLSVersion) -> String {
        switch version.rawValue {
        case 0x0304: "13"
        case 0x0303: "12"
        case 0x0302: "11"
        case 0x0301: "10"
        case 0x0300: "s3"
        case 0x0200: "s2"
        case 0xfeff: "d1"
        case 0xfefd: "d2"
        case 0xfefc: "d3"
        default: "00"
        }
    }

    /// First and last characters of the first ALPN value; when either is not
    /// ASCII alphanumeric, the first and last hex digits of the value instead.
    static func ja4ALPN(_ value: [UInt8]?) -> String {
        guard let value, let first = value.first, let last = value.last else { return "00" }
        func alphanumeric(_ byte: UInt8) -> Bool {
            (0x30...0x39).contains(byte) || (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte)
        }
        if alphanumeric(first), alphanumeric(last) {
            return String(decoding: [first, last], as: UTF8.self)
        }
        let hex = TLSHex.string(value)
        return String(hex.prefix(1) + hex.suffix(1))
    }

    private static func twoDigits(_ count: Int) -> String {
        let capped = min(count, 99)
        return capped < 10 ? "0\(capped)" : String(capped)
    }

    private static func truncatedHash(_ text: String) -> String {
        guard !text.isEmpty else { return String(repeating: "0", count: 12) }
        return String(TLSHex.string(SHA256.hash(data: Array(text.utf8))).prefix(12))
    }

    private static func decimal(_ values: [UInt16]) -> String {
        values.map(String.init).joined(separator: "-")
    }
}
