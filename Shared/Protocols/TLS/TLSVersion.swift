/// A protocol version as it travels on the wire (`legacy_version`,
/// `supported_versions` entries): 0x0300 SSL 3.0 … 0x0304 TLS 1.3, 0x7fNN
/// TLS 1.3 draft NN.
public struct TLSVersion: RawRepresentable, Hashable, Sendable, Comparable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let ssl2 = TLSVersion(rawValue: 0x0200)
    public static let ssl3 = TLSVersion(rawValue: 0x0300)
    public static let tls10 = TLSVersion(rawValue: 0x0301)
    public static let tls11 = TLSVersion(rawValue: 0x0302)
    public static let tls12 = TLSVersion(rawValue: 0x0303)
    public static let tls13 = TLSVersion(rawValue: 0x0304)

    public static func < (a: TLSVersion, b: TLSVersion) -> Bool { a.rawValue < b.rawValue }

    public var isGREASE: Bool { TLSGrease.contains(rawValue) }
    /// A TLS 1.3 draft (0x7f00 + draft number), as early TLS 1.3 stacks sent.
    public var draft: Int? { rawValue >> 8 == 0x7f ? Int(rawValue & 0xff) : nil }
    /// TLS 1.3 or one of its drafts: the handshake after ServerHello is encrypted.
    public var isTLS13Family: Bool { self == .tls13 || draft != nil }

    /// ECS `tls.version_protocol`: `ssl` or `tls`; nil for unknown values.
    public var ecsProtocol: String? {
        switch rawValue {
        case 0x0200, 0x0300: "ssl"
        case 0x0301...0x0304: "tls"
        default: draft != nil ? "tls" : nil
        }
    }

    /// ECS `tls.version`: "3.0", "1.0" … "1.3"; drafts are "1.3".
    public var ecsVersion: String? {
        switch rawValue {
        case 0x0200: "2.0"
        case 0x0300: "3.0"
        case 0x0301: "1.0"
        case 0x0302: "1.1"
        case 0x0303: "1.2"
        case 0x0304: "1.3"
        default: draft != nil ? "1.3" : nil
        }
    }

    /// Display name in Suricata's words: "TLS 1.2", "TLS 1.3 draft-28", "SSLv3", or "0x1234".
    public var name: String {
        switch rawValue {
        case 0x0200: return "SSLv2"
        case 0x0300: return "SSLv3"
        default:
            if let draft { return "TLS 1.3 draft-\(draft)" }
            if let version = ecsVersion { return "TLS \(version)" }
            return "0x" + TLSHex.hex16(rawValue)
        }
    }
}

/// GREASE values (RFC 8701): 0x?A?A with both bytes equal, which clients
/// sprinkle into lists to keep servers tolerant; fingerprints drop them.
enum TLSGrease {
    static func contains(_ value: UInt16) -> Bool {
        value & 0x0f0f == 0x0a0a && value >> 8 == value & 0xff
    }
}

enum TLSHex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Four lowercase hex digits, zero-padded (JA4's form).
    static func hex16(_ value: UInt16) -> String {
        String(decoding: [digits[Int(value >> 12)], digits[Int(value >> 8 & 0xf)],
                          digits[Int(value >> 4 & 0xf)], digits[Int(value & 0xf)]], as: UTF8.self)
    }

    static func string(_ bytes: some Sequence<UInt8>, uppercase: Bool = false) -> String {
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xf)])
        }
        let text = String(decoding: out, as: UTF8.self)
        return uppercase ? text.uppercased() : text
    }
}
