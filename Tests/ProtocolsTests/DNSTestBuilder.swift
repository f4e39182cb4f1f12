@testable import Protocols

/// Hand-built DNS messages for the unit tests.
enum DNSBuild {
    static func u16(_ v: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }
    static func u32(_ v: Int) -> [UInt8] { u16(v >> 16) + u16(v) }

    static func name(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        for label in text.split(separator: ".") { out.append(UInt8(label.utf8.count)); out += Array(label.utf8) }
        return out + [0]
    }

    static func header(id: Int, flags: Int, qd: Int = 1, an: Int = 0, ns: Int = 0, ar: Int = 0) -> [UInt8] {
        u16(id) + u16(flags) + u16(qd) + u16(an) + u16(ns) + u16(ar)
    }

    static func question(_ qname: String, type: Int = 1, class: Int = 1) -> [UInt8] { name(qname) + u16(type) + u16(`class`) }

    /// A record whose owner name is `owner` bytes (often a pointer).
    static func record(_ owner: [UInt8], type: Int, ttl: Int = 60, class: Int = 1, rdata: [UInt8]) -> [UInt8] {
        owner + u16(type) + u16(`class`) + u32(ttl) + u16(rdata.count) + rdata
    }

    static func pointer(_ offset: Int) -> [UInt8] { [UInt8(0xc0 | (offset >> 8)), UInt8(offset & 0xff)] }

    static func query(id: Int = 0x1234, _ qname: String = "www.example.com", type: Int = 1) -> [UInt8] {
        header(id: id, flags: 0x0100) + question(qname, type: type)
    }

    /// A response with one A answer pointing back at the question name.
    static func response(id: Int = 0x1234, _ qname: String = "www.example.com", address: [UInt8] = [192, 0, 2, 1]) -> [UInt8] {
        header(id: id, flags: 0x8180, an: 1) + question(qname) + record(pointer(12), type: 1, rdata: address)
    }

    static func tcp(_ message: [UInt8]) -> [UInt8] { u16(message.count) + message }

    static func parse(_ bytes: [UInt8], limits: DNSLimits = DNSLimits()) throws -> DNSMessage {
        try bytes.withUnsafeBytes { try DNSParser(limits: limits).parse($0) }
    }
}

extension ProtocolSession {
    mutating func feed(_ bytes: [UInt8], _ direction: Direction, at time: Int64) -> [Transaction] {
        bytes.withUnsafeBytes { receive($0, direction: direction, time: time) }
    }
}
