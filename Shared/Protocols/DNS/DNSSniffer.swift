import Dissection

/// Cheap recognition of DNS for flows on other ports and for picking UDP
/// or TCP framing when the caller does not say.
enum DNSSniffer {
    /// Valid opcode, zero Z bit, at most a few questions, and record counts
    /// that could fit in `declaredLength` bytes (11 bytes per record at least).
    static func plausibleHeader(_ bytes: UnsafeRawBufferPointer, declaredLength: Int) -> Bool {
        let cursor = ByteCursor(bytes)
        guard let flagsWord = cursor.peekUInt16(at: 2), let qd = cursor.peekUInt16(at: 4), let an = cursor.peekUInt16(at: 6),
              let ns = cursor.peekUInt16(at: 8), let ar = cursor.peekUInt16(at: 10) else { return false }
        let flags = DNSFlags(rawValue: flagsWord)
        guard [0, 1, 2, 4, 5, 6].contains(flags.opcode), !flags.z, qd <= 4 else { return false }
        guard (Int(qd) * 5 + (Int(an) + Int(ns) + Int(ar)) * 11) <= declaredLength - DNSParser.headerLength else { return false }
        return qd > 0 || flags.isResponse
    }

    /// A whole UDP message that decodes without a fault.
    static func cleanMessage(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard plausibleHeader(bytes, declaredLength: bytes.count),
              let message = try? DNSParser().parse(bytes) else { return false }
        return message.error == nil
    }
}
