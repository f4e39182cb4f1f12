import Dissection

/// One decoded DNS message: what could be read before any fault. `error`
/// says where and why decoding stopped (or which limit was hit), so a
/// truncated or corrupt message is still reported with what it held.
public struct DNSMessage: Sendable, Hashable {
    public var header: DNSHeader
    public var questions: [DNSQuestion] = []
    public var answers: [DNSRecord] = []
    public var authorities: [DNSRecord] = []
    public var additionals: [DNSRecord] = []
    /// Records (and questions) counted in the header but not kept because of a limit.
    public var droppedRecords = 0
    /// Size of the message in bytes (without a TCP length prefix).
    public var length: Int
    /// The first fault: decoding stops at `truncated`/`malformed`, goes on after `limitExceeded`.
    public var error: ParseError?

    public var isResponse: Bool { header.flags.isResponse }
    public var question: DNSQuestion? { questions.first }
    /// The EDNS OPT pseudo-record, if the additionals carry one.
    public var edns: DNSRecord? { additionals.first { $0.type == DNSType.opt } }
}

public struct DNSHeader: Sendable, Hashable {
    public var id: UInt16
    public var flags: DNSFlags
    public var questionCount: UInt16
    public var answerCount: UInt16
    public var authorityCount: UInt16
    public var additionalCount: UInt16
}

/// The 16-bit flags word: QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode.
public struct DNSFlags: Sendable, Hashable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public var isResponse: Bool { rawValue & 0x8000 != 0 }
    public var opcode: UInt8 { UInt8(truncatingIfNeeded: rawValue >> 11) & 0x0f }
    public var authoritative: Bool { rawValue & 0x0400 != 0 }
    public var truncated: Bool { rawValue & 0x0200 != 0 }
    public var recursionDesired: Bool { rawValue & 0x0100 != 0 }
    public var recursionAvailable: Bool { rawValue & 0x0080 != 0 }
    public var z: Bool { rawValue & 0x0040 != 0 }
    public var authenticData: Bool { rawValue & 0x0020 != 0 }
    public var checkingDisabled: Bool { rawValue & 0x0010 != 0 }
    public var rcode: UInt8 { UInt8(truncatingIfNeeded: rawValue) & 0x0f }

    /// ECS `dns.header_flags`: the set flags by their abbreviations.
    public var names: [String] {
        var out: [String] = []
        if authoritative { out.append("AA") }
        if truncated { out.append("TC") }
        if recursionDesired { out.append("RD") }
        if recursionAvailable { out.append("RA") }
        if authenticData { out.append("AD") }
        if checkingDisabled { out.append("CD") }
        return out
    }
}

public struct DNSQuestion: Sendable, Hashable {
    public var name: String
    public var type: UInt16
    public var `class`: UInt16
    /// The name passed `DNSLimits.maxNameLength` and was cut there.
    public var nameTruncated = false

    public init(name: String, type: UInt16, class: UInt16, nameTruncated: Bool = false) {
        self.name = name
        self.type = type
        self.class = `class`
        self.nameTruncated = nameTruncated
    }

    /// Same question, names compared without regard to ASCII case (RFC 4343).
    public func matches(_ other: DNSQuestion) -> Bool {
        type == other.type && `class` == other.class && name.lowercased() == other.name.lowercased()
    }
}

public struct DNSRecord: Sendable, Hashable {
    public var name: String
    public var type: UInt16
    /// For OPT the requestor's UDP payload size, as the wire has it.
    public var `class`: UInt16
    public var ttl: UInt32
    public var rdataLength: Int
    public var data: DNSRecordData
    public var nameTruncated = false

    /// The data in presentation form (dig-like, without trailing dots).
    public var dataText: String { data.text }
}

/// The decoded RDATA of the types NetSift understands; others keep only their length.
public enum DNSRecordData: Sendable, Hashable {
    case address(IPAddress)
    /// CNAME, NS, PTR, DNAME.
    case name(String)
    case mx(preference: UInt16, exchange: String)
    case txt([String])
    case soa(DNSSOA)
    case srv(priority: UInt16, weight: UInt16, port: UInt16, target: String)
    case svcb(DNSServiceBinding)
    case opt(DNSEDNS)
    /// Anything else: the type says what it is, the record's `rdataLength` how long.
    case other
}

public struct DNSSOA: Sendable, Hashable {
    public var primary: String
    public var mailbox: String
    public var serial: UInt32
    public var refresh: UInt32
    public var retry: UInt32
    public var expire: UInt32
    public var minimum: UInt32
}

/// HTTPS (65) and SVCB (64) records, RFC 9460.
public struct DNSServiceBinding: Sendable, Hashable {
    public var priority: UInt16
    public var target: String
    public var alpn: [String] = []
    public var port: UInt16?
    public var ipv4Hints: [IPAddress] = []
    public var ipv6Hints: [IPAddress] = []
    public var noDefaultALPN = false
    /// Every parameter key, in wire order (mandatory, ech and unknown keys are not decoded further).
    public var keys: [UInt16] = []
}

/// The EDNS(0) OPT pseudo-record (RFC 6891), from its class and TTL fields.
public struct DNSEDNS: Sendable, Hashable {
    public var udpPayloadSize: UInt16
    public var extendedRcode: UInt8
    public var version: UInt8
    public var dnssecOK: Bool
    /// Option codes carried (cookie 10, client subnet 8, padding 12, ...).
    public var optionCodes: [UInt16] = []
}
