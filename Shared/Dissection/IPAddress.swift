/// An IPv4 or IPv6 address as a 128-bit value. IPv4 addresses keep their 32
/// bits in the low word and `isIPv6 == false`, so the two families never
/// compare equal.
public struct IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64
    public var isIPv6: Bool

    public init(v4: UInt32) {
        high = 0; low = UInt64(v4); isIPv6 = false
    }

    public init(v6High: UInt64, v6Low: UInt64) {
        high = v6High; low = v6Low; isIPv6 = true
    }

    public static let none = IPAddress(v4: 0)

    public var v4: UInt32 { UInt32(truncatingIfNeeded: low) }

    /// Network-order bytes: 4 for IPv4, 16 for IPv6.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        appendBytes(to: &out)
        return out
    }

    public func appendBytes(to out: inout [UInt8]) {
        if isIPv6 {
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: high >> UInt64(shift))) }
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: low >> UInt64(shift))) }
        } else {
            for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: v4 >> UInt32(shift))) }
        }
    }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        if a.isIPv6 != b.isIPv6 { return !a.isIPv6 }
        return (a.high, a.low) < (b.high, b.low)
    }

    /// Dotted quad, or RFC 5952 text (longest run of zero groups compressed,
    /// lower case), the form tshark and tcpdump print.
    public var description: String {
        if !isIPv6 {
            let v = v4
            return "\(v >> 24).\(v >> 16 & 0xff).\(v >> 8 & 0xff).\(v & 0xff)"
        }
        var groups = [UInt16](repeating: 0, count: 8)
        for i in 0..<4 {
            groups[i] = UInt16(truncatingIfNeeded: high >> UInt64(48 - 16 * i))
            groups[i + 4] = UInt16(truncatingIfNeeded: low >> UInt64(48 - 16 * i))
        }
        var bestStart = -1, bestLength = 0, runStart = -1
        for i in 0...8 {
            if i < 8 && groups[i] == 0 {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                if i - runStart > bestLength { bestStart = runStart; bestLength = i - runStart }
                runStart = -1
            }
        }
        if bestLength < 2 { bestStart = -1 }
        // IPv4-mapped and -compatible forms print the last 32 bits dotted.
        let mapped = high == 0 && (low >> 32 == 0xffff)
        var text = ""
        var i = 0
        let lastGroup = mapped ? 6 : 8
        while i < lastGroup {
            if i == bestStart {
                text += "::"
                i += bestLength
                continue
            }
            if !text.isEmpty && !text.hasSuffix(":") { text += ":" }
            text += String(groups[i], radix: 16)
            i += 1
        }
        if mapped {
            if !text.hasSuffix(":") { text += ":" }
            let v = UInt32(truncatingIfNeeded: low)
            text += "\(v >> 24).\(v >> 16 & 0xff).\(v >> 8 & 0xff).\(v & 0xff)"
        }
        return text
    }

    /// Parses dotted-quad IPv4 or textual IPv6 (with `::`); nil otherwise.
    public init?(_ text: String) {
        if !text.contains(":") {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4 else { return nil }
            var v: UInt32 = 0
            for p in parts {
                // Digits only: UInt8("+1") and UInt8("-0") would parse.
                guard p.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = UInt8(p) else { return nil }
                v = v << 8 | UInt32(n)
            }
            self.init(v4: v)
            return
        }
        var halves: [String] = []
        if let range = text.firstRange(of: "::") {
            halves = [String(text[..<range.lowerBound]), String(text[range.upperBound...])]
            guard !halves[1].contains("::") else { return nil }
        } else {
            halves = [text]
        }
        // An embedded IPv4 address may only end the whole address.
        func groups(_ s: String, last: Bool) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            let parts = s.split(separator: ":", omittingEmptySubsequences: false)
            for (index, part) in parts.enumerated() {
                if part.contains(".") {
                    guard last, index == parts.count - 1,
                          let v4 = IPAddress(String(part)), !v4.isIPv6 else { return nil }
                    out.append(UInt16(v4.v4 >> 16)); out.append(UInt16(v4.v4 & 0xffff))
                } else {
                    guard part.count <= 4, part.allSatisfy(\.isHexDigit), let g = UInt16(part, radix: 16) else { return nil }
                    out.append(g)
                }
            }
            return out
        }
        guard let head = groups(halves[0], last: halves.count == 1) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1], last: true), head.count + tail.count < 8 else { return nil }
            all += [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        var hi: UInt64 = 0, lo: UInt64 = 0
        for i in 0..<4 { hi = hi << 16 | UInt64(all[i]) }
        for i in 4..<8 { lo = lo << 16 | UInt64(all[i]) }
        self.init(v6High: hi, v6Low: lo)
    }
}
