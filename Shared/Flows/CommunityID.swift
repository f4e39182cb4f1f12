import Crypto
import Dissection

/// Community ID v1 (github.com/corelight/community-id-spec): SHA-1 over
/// seed, ordered addresses, protocol, padding and ordered ports.
public struct CommunityID: Sendable {
    public var seed: UInt16
    public var base64: Bool

    public init(seed: UInt16 = 0, base64: Bool = true) {
        self.seed = seed
        self.base64 = base64
    }

    /// Ports take part only for the protocols the spec names.
    static func usesPorts(_ proto: UInt8) -> Bool {
        switch proto {
        case IPProtocol.tcp, IPProtocol.udp, IPProtocol.sctp, IPProtocol.icmp, IPProtocol.icmpv6: true
        default: false
        }
    }

    public func compute(_ tuple: FlowTuple) -> String {
        let t = tuple.isCanonicalOrder ? tuple : tuple.reversed
        var input: [UInt8] = []
        input.reserveCapacity(40)
        input.append(UInt8(truncatingIfNeeded: seed >> 8))
        input.append(UInt8(truncatingIfNeeded: seed))
        t.source.appendBytes(to: &input)
        t.destination.appendBytes(to: &input)
        input.append(t.protocolNumber)
        input.append(0)
        if t.hasPorts && Self.usesPorts(t.protocolNumber) {
            input.append(UInt8(truncatingIfNeeded: t.sourcePort >> 8))
            input.append(UInt8(truncatingIfNeeded: t.sourcePort))
            input.append(UInt8(truncatingIfNeeded: t.destinationPort >> 8))
            input.append(UInt8(truncatingIfNeeded: t.destinationPort))
        }
        let digest = Array(Insecure.SHA1.hash(data: input))
        if base64 { return "1:" + Base64.encode(digest) }
        return "1:" + digest.map { byte in
            let s = String(byte, radix: 16)
            return byte < 16 ? "0" + s : s
        }.joined()
    }
}

enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = UInt32(bytes[i])
            let b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
            let triple = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(triple >> 18 & 63)])
            out.append(alphabet[Int(triple >> 12 & 63)])
            out.append(i + 1 < bytes.count ? alphabet[Int(triple >> 6 & 63)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? alphabet[Int(triple & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
