import SwiftASN1
import X509

/// A certificate subject or issuer as (attribute, value) pairs in
/// certificate order (most significant RDN first: C, O, …, CN).
public struct TLSDistinguishedName: Hashable, Sendable {
    public var attributes: [(key: String, value: String)] = []

    public init() {}

    init(_ name: DistinguishedName) {
        for rdn in name {
            for attribute in rdn {
                attributes.append((Self.key(attribute.type), Self.text(attribute.value)))
            }
        }
    }

    /// ECS `x509.*.distinguished_name`, in certificate order joined by ", "
    /// as ECS's example and Suricata's `tls.subject` write it:
    /// "C=US, O=DigiCert Inc, CN=DigiCert SHA2 Secure Server CA".
    public var distinguishedName: String {
        attributes.map { "\($0.key)=\(Self.escaped($0.value))" }.joined(separator: ", ")
    }

    /// RFC 4514 string (last RDN first, joined by ","), as Packetbeat's
    /// `tls.server.subject` (Go's pkix.Name.String) and swift-certificates print it.
    public var rfc4514: String {
        attributes.reversed().map { "\($0.key)=\(Self.escaped($0.value))" }.joined(separator: ",")
    }

    public func values(_ key: String) -> [String] { attributes.filter { $0.key == key }.map(\.value) }
    public var commonNames: [String] { values("CN") }
    public var organizations: [String] { values("O") }
    public var organizationalUnits: [String] { values("OU") }
    public var countries: [String] { values("C") }
    public var localities: [String] { values("L") }
    public var stateOrProvinces: [String] { values("ST") }

    public static func == (a: TLSDistinguishedName, b: TLSDistinguishedName) -> Bool {
        a.attributes.elementsEqual(b.attributes) { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for attribute in attributes {
            hasher.combine(attribute.key)
            hasher.combine(attribute.value)
        }
    }

    /// Short names RFC 4514 and OpenSSL use; other types as dotted OIDs.
    private static let keys: [String: String] = [
        "2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O", "2.5.4.11": "OU",
        "2.5.4.9": "STREET", "0.9.2342.19200300.100.1.25": "DC", "0.9.2342.19200300.100.1.1": "UID",
        "1.2.840.113549.1.9.1": "emailAddress", "2.5.4.5": "serialNumber", "2.5.4.4": "SN", "2.5.4.42": "GN",
        "2.5.4.12": "title", "2.5.4.15": "businessCategory", "2.5.4.17": "postalCode",
        "1.3.6.1.4.1.311.60.2.1.1": "jurisdictionL", "1.3.6.1.4.1.311.60.2.1.2": "jurisdictionST",
        "1.3.6.1.4.1.311.60.2.1.3": "jurisdictionC",
    ]

    private static func key(_ oid: ASN1ObjectIdentifier) -> String {
        let dotted = oid.description
        return keys[dotted] ?? dotted
    }

    /// The value as text: the string types swift-certificates decodes, plus
    /// TeletexString (read as Latin-1, as OpenSSL does), BMPString and
    /// UniversalString, which it leaves as raw ASN.1.
    private static func text(_ value: RelativeDistinguishedName.Attribute.Value) -> String {
        if let string = String(value) { return string }
        var serializer = DER.Serializer()
        guard (try? serializer.serialize(ASN1Any(value))) != nil,
              let node = try? DER.parse(serializer.serializedBytes), case .primitive(let content) = node.content else {
            return ""
        }
        switch node.identifier.tagNumber {
        case 20, 26, 19, 22: // TeletexString, VisibleString, PrintableString, IA5String
            return String(content.map { Character(Unicode.Scalar($0)) })
        case 30: // BMPString: UTF-16BE
            var units: [UInt16] = []
            var index = content.startIndex
            while index + 1 < content.endIndex {
                units.append(UInt16(content[index]) << 8 | UInt16(content[index + 1]))
                index += 2
            }
            return String(decoding: units, as: UTF16.self)
        case 28: // UniversalString: UTF-32BE
            var scalars = String.UnicodeScalarView()
            var index = content.startIndex
            while index + 3 < content.endIndex {
                let code = content[index ..< index + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                index += 4
            }
            return String(scalars)
        default:
            return String(decoding: content, as: UTF8.self)
        }
    }

    /// RFC 4514 §2.4 escaping of special characters.
    private static func escaped(_ value: String) -> String {
        guard value.contains(where: { ",+\"\\<>;".contains($0) }) || value.hasPrefix(" ") || value.hasPrefix("#")
                || value.hasSuffix(" ") else { return value }
        var out = ""
        for (index, character) in value.enumerated() {
            let edge = (index == 0 && (character == " " || character == "#")) || (index == value.count - 1 && character == " ")
            if edge || ",+\"\\<>;".contains(character) { out.append("\\") }
            out.append(character)
        }
        return out
    }
}
