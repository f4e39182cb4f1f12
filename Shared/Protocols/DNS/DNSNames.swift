/// Mnemonics for the numbers in a DNS message, as IANA's registries,
/// Packetbeat and tshark name them; unknown values print as `TYPE123` /
/// `CLASS5` (RFC 3597) or the number.
public enum DNSType {
    public static let a: UInt16 = 1, ns: UInt16 = 2, cname: UInt16 = 5, soa: UInt16 = 6, ptr: UInt16 = 12
    public static let mx: UInt16 = 15, txt: UInt16 = 16, aaaa: UInt16 = 28, srv: UInt16 = 33, dname: UInt16 = 39
    public static let opt: UInt16 = 41, svcb: UInt16 = 64, https: UInt16 = 65

    static let names: [UInt16: String] = [
        1: "A", 2: "NS", 3: "MD", 4: "MF", 5: "CNAME", 6: "SOA", 7: "MB", 8: "MG", 9: "MR", 10: "NULL", 11: "WKS",
        12: "PTR", 13: "HINFO", 14: "MINFO", 15: "MX", 16: "TXT", 17: "RP", 18: "AFSDB", 24: "SIG", 25: "KEY",
        28: "AAAA", 29: "LOC", 33: "SRV", 35: "NAPTR", 36: "KX", 37: "CERT", 39: "DNAME", 41: "OPT", 42: "APL",
        43: "DS", 44: "SSHFP", 45: "IPSECKEY", 46: "RRSIG", 47: "NSEC", 48: "DNSKEY", 49: "DHCID", 50: "NSEC3",
        51: "NSEC3PARAM", 52: "TLSA", 53: "SMIMEA", 55: "HIP", 59: "CDS", 60: "CDNSKEY", 61: "OPENPGPKEY",
        62: "CSYNC", 63: "ZONEMD", 64: "SVCB", 65: "HTTPS", 99: "SPF", 108: "EUI48", 109: "EUI64", 249: "TKEY",
        250: "TSIG", 251: "IXFR", 252: "AXFR", 253: "MAILB", 254: "MAILA", 255: "ANY", 256: "URI", 257: "CAA",
    ]

    public static func name(_ type: UInt16) -> String { names[type] ?? "TYPE\(type)" }
}

public enum DNSClass {
    public static let internet: UInt16 = 1

    public static func name(_ value: UInt16) -> String {
        switch value {
        case 1: "IN"
        case 3: "CH"
        case 4: "HS"
        case 254: "NONE"
        case 255: "ANY"
        default: "CLASS\(value)"
        }
    }
}

public enum DNSResponseCode {
    static let names = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
                        "NXRRSET", "NOTAUTH", "NOTZONE", "DSOTYPENI"]

    /// ECS `dns.response_code` (upper case, as Packetbeat and Zeek write it).
    public static func name(_ code: UInt16) -> String {
        switch code {
        case 0 ..< UInt16(names.count): names[Int(code)]
        case 16: "BADVERS"
        case 17: "BADKEY"
        case 18: "BADTIME"
        case 19: "BADMODE"
        case 20: "BADNAME"
        case 21: "BADALG"
        case 22: "BADTRUNC"
        case 23: "BADCOOKIE"
        default: "RCODE\(code)"
        }
    }
}

public enum DNSOpcode {
    public static func name(_ code: UInt8) -> String {
        switch code {
        case 0: "QUERY"
        case 1: "IQUERY"
        case 2: "STATUS"
        case 4: "NOTIFY"
        case 5: "UPDATE"
        case 6: "DSO"
        default: "OPCODE\(code)"
        }
    }
}
