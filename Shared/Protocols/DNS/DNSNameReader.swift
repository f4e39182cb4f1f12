import Dissection

/// Reads a possibly compressed domain name (RFC 1035 4.1.4) from a whole
/// message: pointers are followed at most `maxPointerJumps` times, must stay
/// inside the message, and the text stops growing at `maxNameLength`.
struct DNSNameReader {
    let message: UnsafeRawBufferPointer
    let limits: DNSLimits

    struct Name {
        /// Presentation text without the trailing dot; `.` for the root.
        var text: String
        /// Offset just past the name where it sits (after its first pointer, if any).
        var end: Int
        var truncated: Bool
    }

    /// `build: false` only finds where the name ends (names past a limit).
    func read(at start: Int, build: Bool = true) throws(ParseError) -> Name {
        let cursor = ByteCursor(message)
        var position = start
        var end: Int? = nil
        var jumps = 0
        var text: [UInt8] = []
        if build { text.reserveCapacity(64) }
        var truncated = false
        while true {
            guard let length = cursor.peekUInt8(at: position) else {
                throw ParseError(.truncated, at: position, "name runs past the end of the message")
            }
            switch length & 0xc0 {
            case 0:
                if length == 0 {
                    let nameEnd = end ?? position + 1
                    let result = text.isEmpty ? "." : String(decoding: text, as: UTF8.self)
                    return Name(text: result, end: nameEnd, truncated: truncated)
                }
                guard let label = Self.slice(message, at: position + 1, count: Int(length)) else {
                    throw ParseError(.truncated, at: position, "label runs past the end of the message")
                }
                if build && !truncated {
                    if !text.isEmpty { text.append(UInt8(ascii: ".")) }
                    Self.appendEscaped(label, to: &text)
                    if text.count > limits.maxNameLength {
                        text.removeLast(text.count - limits.maxNameLength)
                        truncated = true
                    }
                }
                // A cut name that already knows where it ends needs nothing more.
                if truncated, let end { return Name(text: String(decoding: text, as: UTF8.self), end: end, truncated: true) }
                position += 1 + Int(length)
            case 0xc0:
                guard let pointer = cursor.peekUInt16(at: position) else {
                    throw ParseError(.truncated, at: position, "compression pointer cut short")
                }
                if end == nil { end = position + 2 }
                jumps += 1
                guard jumps <= limits.maxPointerJumps else {
                    throw ParseError(.malformed, at: position, "compression pointer loop")
                }
                let target = Int(pointer & 0x3fff)
                guard target < message.count else {
                    throw ParseError(.malformed, at: position, "compression pointer past the end of the message")
                }
                position = target
            default:
                throw ParseError(.malformed, at: position, "unsupported label type 0x\(String(length, radix: 16))")
            }
        }
    }

    /// Printable ASCII as is; `.`, `\` and other bytes escaped as `\.`, `\\`, `\DDD` (RFC 4343).
    static func appendEscaped(_ label: UnsafeRawBufferPointer, to text: inout [UInt8]) {
        appendEscaped(label, to: &text, special: (UInt8(ascii: "."), UInt8(ascii: "\\")), printable: 0x21 ... 0x7e)
    }

    /// Bytes in `printable` as is, the two `special` ones after a backslash, the rest as `\DDD`.
    static func appendEscaped(_ bytes: UnsafeRawBufferPointer, to text: inout [UInt8], special: (UInt8, UInt8),
                              printable: ClosedRange<UInt8>) {
        for byte in bytes {
            if byte == special.0 || byte == special.1 {
                text.append(UInt8(ascii: "\\")); text.append(byte)
            } else if printable.contains(byte) {
                text.append(byte)
            } else {
                appendDecimalEscape(byte, to: &text)
            }
        }
    }

    static func appendDecimalEscape(_ byte: UInt8, to text: inout [UInt8]) {
        text.append(UInt8(ascii: "\\"))
        text.append(0x30 + byte / 100)
        text.append(0x30 + byte / 10 % 10)
        text.append(0x30 + byte % 10)
    }
}

extension DNSNameReader {
    /// `count` bytes of `bytes` at `offset`; nil past the end.
    static func slice(_ bytes: UnsafeRawBufferPointer, at offset: Int, count: Int) -> UnsafeRawBufferPointer? {
        var cursor = ByteCursor(bytes)
        guard cursor.skip(offset) else { return nil }
        return cursor.readSlice(count)
    }
}
