/// The user name of a Basic credential (RFC 7617). The decoded password
/// is overwritten before the buffer is released and never returned.
enum HTTPBasicCredentials {
    /// Longest credential decoded (user names and passwords beyond this are not credentials we report).
    static let maxEncodedLength = 4096

    static func user(base64 text: String) -> String? {
        guard !text.isEmpty, text.utf8.count <= maxEncodedLength else { return nil }
        var decoded = decode(text)
        defer { for i in decoded.indices { decoded[i] = 0 } }
        guard !decoded.isEmpty, let colon = decoded.firstIndex(of: 0x3a) else { return nil }
        return String(decoding: decoded[..<colon], as: UTF8.self)
    }

    /// Standard base64 with optional padding; empty on any invalid character.
    private static func decode(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        var padding = 0
        for c in text.utf8 {
            let value: UInt32
            switch c {
            case 0x41...0x5a: value = UInt32(c - 0x41)
            case 0x61...0x7a: value = UInt32(c - 0x61 + 26)
            case 0x30...0x39: value = UInt32(c - 0x30 + 52)
            case 0x2b: value = 62
            case 0x2f: value = 63
            case 0x3d: padding += 1; continue
            default: return []
            }
            guard padding == 0 else { return [] }
            accumulator = accumulator << 6 | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        return out
    }
}
