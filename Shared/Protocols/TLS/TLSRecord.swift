import Dissection

/// Record content types (RFC 8446 §5.1, RFC 6520 for heartbeat).
public enum TLSContentType: UInt8, Sendable {
    case changeCipherSpec = 20
    case alert = 21
    case handshake = 22
    case applicationData = 23
    case heartbeat = 24
}

/// The five-byte record header: content type, legacy version, length.
public struct TLSRecordHeader: Hashable, Sendable {
    public static let size = 5
    /// RFC 5246 §6.2.3: a TLSCiphertext fragment is at most 2^14 + 2048 bytes
    /// (TLS 1.3 lowers it to 2^14 + 256); anything longer is not TLS.
    public static let maxLength = 16384 + 2048

    public var contentType: TLSContentType
    public var version: TLSVersion
    public var length: Int

    /// The header at the cursor, nil when fewer than five bytes are there;
    /// throws when the bytes cannot start a TLS/SSLv3 record.
    public static func parse(_ cursor: ByteCursor) throws(ParseError) -> TLSRecordHeader? {
        guard let type = cursor.peekUInt8(), let version = cursor.peekUInt16(at: 1),
              let length = cursor.peekUInt16(at: 3) else { return nil }
        guard let contentType = TLSContentType(rawValue: type) else {
            throw ParseError(.malformed, at: cursor.position, "record content type \(type)")
        }
        guard version >> 8 == 3 else {
            throw ParseError(.malformed, at: cursor.position + 1, "record version 0x\(TLSHex.hex16(version))")
        }
        guard Int(length) <= maxLength else {
            throw ParseError(.limitExceeded, at: cursor.position + 3, "record length \(length) > \(maxLength)")
        }
        return TLSRecordHeader(contentType: contentType, version: TLSVersion(rawValue: version), length: Int(length))
    }

    /// Whether `bytes` start like an SSLv2-framed ClientHello (two-byte
    /// header with the high bit set, message type 1, version 2.0 or 3.x).
    static func isSSLv2ClientHello(_ cursor: ByteCursor) -> Bool {
        guard let first = cursor.peekUInt8(), first & 0x80 != 0, cursor.peekUInt8(at: 2) == 1,
              let major = cursor.peekUInt8(at: 3) else { return false }
        return major == 0 || major == 3
    }
}

/// What one direction's record layer yields, in stream order.
enum TLSRecordEvent: Sendable {
    /// A complete plaintext handshake message (type and body, header removed).
    case handshake(type: UInt8, body: [UInt8])
    case changeCipherSpec
    case alert(level: UInt8, description: UInt8)
    case applicationData
    /// An SSLv2-framed ClientHello: flagged, not parsed further.
    case sslv2ClientHello(version: TLSVersion)
    case anomaly(TLSAnomaly)
}

/// One direction of a TLS connection: splits in-order stream bytes into
/// records, and handshake records into messages, whatever the chunking.
/// Memory is bounded by one record plus one handshake message.
struct TLSRecordReader {
    /// A handshake message longer than this is skipped and counted: 64 KiB
    /// holds any real ClientHello and a long certificate chain.
    static let maxHandshakeMessage = 64 * 1024

    /// Whether a ChangeCipherSpec turns this direction's later handshake
    /// records into ciphertext (TLS ≤ 1.2); the session clears it for TLS 1.3,
    /// where CCS is only a middlebox-compatibility no-op.
    var changeCipherSpecEncrypts = true
    private(set) var handshakeEncrypted = false
    /// Set when the direction stops being parseable (not TLS, a gap): later bytes are ignored.
    private(set) var failure: ParseError?
    private(set) var records = 0
    /// Bytes dropped: oversized handshake messages, and everything after a failure.
    private(set) var droppedBytes = 0
    private var consumed = 0
    private var started = false

    private var pending: [UInt8] = []
    private var message: [UInt8] = []
    private var skipRemaining = 0

    mutating func receive(_ bytes: UnsafeRawBufferPointer) -> [TLSRecordEvent] {
        var events: [TLSRecordEvent] = []
        guard failure == nil else {
            droppedBytes += bytes.count
            return events
        }
        var cursor = ByteCursor(bytes)
        if !started, !bytes.isEmpty {
            started = true
            if TLSRecordHeader.isSSLv2ClientHello(cursor) {
                skipSSLv2Record(&cursor, &events)
            }
        }
        while !cursor.isAtEnd, failure == nil {
            if pending.isEmpty {
                // Fast path: a whole record inside this chunk is read in place.
                do {
                    if let header = try TLSRecordHeader.parse(cursor), cursor.has(TLSRecordHeader.size + header.length) {
                        _ = cursor.skip(TLSRecordHeader.size)
                        if let body = cursor.readSlice(header.length) { record(header, body, &events) }
                        continue
                    }
                } catch {
                    fail(error, remaining: cursor.remaining, &events)
                    break
                }
                if let rest = cursor.readSlice(cursor.remaining) { pending.append(contentsOf: rest) }
            } else {
                fillPending(&cursor, &events)
            }
        }
        consumed += bytes.count
        return events
    }

    /// `length` bytes are missing: record boundaries are lost, so the direction stops.
    mutating func gap(_ length: Int) -> [TLSRecordEvent] {
        guard failure == nil else { droppedBytes += length; return [] }
        var events: [TLSRecordEvent] = []
        fail(ParseError(.truncated, at: consumed, "gap of \(length) bytes"), remaining: length, &events)
        return events
    }

    /// Completes the buffered partial record from `cursor`.
    private mutating func fillPending(_ cursor: inout ByteCursor, _ events: inout [TLSRecordEvent]) {
        if pending.count < TLSRecordHeader.size {
            let take = min(TLSRecordHeader.size - pending.count, cursor.remaining)
            if let part = cursor.readSlice(take) { pending.append(contentsOf: part) }
            if pending.count < TLSRecordHeader.size { return }
        }
        let parsed = pending.withUnsafeBytes { raw -> Result<TLSRecordHeader?, ParseError> in
            Result { () throws(ParseError) in try TLSRecordHeader.parse(ByteCursor(raw)) }
        }
        let header: TLSRecordHeader
        switch parsed {
        case .success(let value?): header = value
        case .success(nil): return
        case .failure(let error):
            fail(error, remaining: pending.count + cursor.remaining, &events)
            return
        }
        let need = TLSRecordHeader.size + header.length - pending.count
        let take = min(need, cursor.remaining)
        if let part = cursor.readSlice(take) { pending.append(contentsOf: part) }
        guard take == need else { return }
        let whole = pending
        pending.removeAll(keepingCapacity: true)
        whole.withUnsafeBytes { raw in
            record(header, UnsafeRawBufferPointer(rebasing: raw[TLSRecordHeader.size...]), &events)
        }
    }

    private mutating func record(_ header: TLSRecordHeader, _ body: UnsafeRawBufferPointer, _ events: inout [TLSRecordEvent]) {
        records += 1
        switch header.contentType {
        case .handshake:
            if handshakeEncrypted { return }
            handshakeBytes(body, &events)
        case .changeCipherSpec:
            events.append(.changeCipherSpec)
            if changeCipherSpecEncrypts { handshakeEncrypted = true }
        case .alert:
            // After CCS an alert is ciphertext: its level and description are unreadable.
            if !handshakeEncrypted, body.count == 2 {
                events.append(.alert(level: body[0], description: body[1]))
            }
        case .applicationData:
            events.append(.applicationData)
        case .heartbeat:
            break
        }
    }

    /// Appends handshake-record bytes and yields every message they complete.
    private mutating func handshakeBytes(_ body: UnsafeRawBufferPointer, _ events: inout [TLSRecordEvent]) {
        var cursor = ByteCursor(body)
        while !cursor.isAtEnd {
            if skipRemaining > 0 {
                let skip = min(skipRemaining, cursor.remaining)
                _ = cursor.skip(skip)
                skipRemaining -= skip
                droppedBytes += skip
                continue
            }
            if message.isEmpty, let type = cursor.peekUInt8(), let high = cursor.peekUInt8(at: 1),
               let low = cursor.peekUInt16(at: 2) {
                // Fast path: a whole message inside this record is copied once.
                let length = Int(high) << 16 | Int(low)
                if length <= Self.maxHandshakeMessage, cursor.has(4 + length) {
                    _ = cursor.skip(4)
                    if let slice = cursor.readSlice(length) { events.append(.handshake(type: type, body: Array(slice))) }
                    continue
                }
            }
            if let byte = cursor.readUInt8() { message.append(byte) }
            guard message.count >= 4 else { continue }
            let length = Int(message[1]) << 16 | Int(message[2]) << 8 | Int(message[3])
            if length > Self.maxHandshakeMessage {
                events.append(.anomaly(.handshakeMessageTooLong))
                skipRemaining = length - (message.count - 4)
                droppedBytes += message.count
                message.removeAll(keepingCapacity: true)
                continue
            }
            let take = min(4 + length - message.count, cursor.remaining)
            if let part = cursor.readSlice(take) { message.append(contentsOf: part) }
            if message.count == 4 + length {
                events.append(.handshake(type: message[0], body: Array(message[4...])))
                message.removeAll(keepingCapacity: true)
            }
        }
    }

    private mutating func skipSSLv2Record(_ cursor: inout ByteCursor, _ events: inout [TLSRecordEvent]) {
        guard let first = cursor.peekUInt8(), let second = cursor.peekUInt8(at: 1),
              let version = cursor.peekUInt16(at: 3) else { return }
        events.append(.sslv2ClientHello(version: TLSVersion(rawValue: version)))
        let length = Int(first & 0x7f) << 8 | Int(second)
        if cursor.has(2 + length) {
            _ = cursor.skip(2 + length)
        } else {
            fail(ParseError(.truncated, at: 0, "SSLv2 record of \(length) bytes"), remaining: cursor.remaining, &events)
        }
    }

    private mutating func fail(_ error: ParseError, remaining: Int, _ events: inout [TLSRecordEvent]) {
        failure = error
        droppedBytes += remaining
        pending = []
        message = []
        events.append(.anomaly(error.kind == .truncated ? .gap : .notTLS))
    }
}
