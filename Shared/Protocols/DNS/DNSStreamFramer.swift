import Dissection

/// One direction of DNS over TCP (RFC 1035 4.2.2): 2-byte length prefixes,
/// several messages per segment, messages split across segments. Whole
/// messages in a fresh segment are handed out in place; only a partial
/// message is copied, and it can never exceed 2 + 65,535 bytes.
struct DNSStreamFramer {
    private var buffer: [UInt8] = []
    /// After a gap: bytes are skipped until one looks like the start of a message.
    private(set) var resynchronising = false
    private(set) var skippedBytes = 0

    /// Calls `message` with each complete message's bytes (prefix removed).
    mutating func feed(_ bytes: UnsafeRawBufferPointer, _ message: (UnsafeRawBufferPointer) -> Void) {
        if resynchronising {
            guard Self.startsMessage(bytes) else {
                skippedBytes += bytes.count
                return
            }
            resynchronising = false
        }
        if buffer.isEmpty {
            let used = Self.drain(bytes, message)
            buffer.append(contentsOf: bytes[used...])
        } else {
            buffer.append(contentsOf: bytes)
            let used = buffer.withUnsafeBytes { Self.drain($0, message) }
            buffer.removeFirst(used)
        }
    }

    /// Bytes of this direction went missing: what is buffered can no longer be framed.
    mutating func gap() {
        skippedBytes += buffer.count
        buffer.removeAll()
        resynchronising = true
    }

    /// The stream ended: the bytes of a message it cut, if any (prefix removed).
    mutating func remainder(_ body: (UnsafeRawBufferPointer) -> Void) {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { bytes in body(UnsafeRawBufferPointer(rebasing: bytes[min(2, bytes.count)...])) }
        buffer.removeAll()
    }

    private static func drain(_ bytes: UnsafeRawBufferPointer, _ message: (UnsafeRawBufferPointer) -> Void) -> Int {
        var cursor = ByteCursor(bytes)
        var used = 0
        while let length = cursor.readUInt16(), let body = cursor.readSlice(Int(length)) {
            message(body)
            used = cursor.position
        }
        return used
    }

    /// Whether `bytes` begin with a length prefix followed by a plausible header.
    static func startsMessage(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var cursor = ByteCursor(bytes)
        guard let prefix = cursor.readUInt16() else { return false }
        let length = Int(prefix)
        guard length >= DNSParser.headerLength, let start = cursor.readSlice(min(length, cursor.remaining)) else { return false }
        return DNSSniffer.plausibleHeader(start, declaredLength: length)
    }
}
