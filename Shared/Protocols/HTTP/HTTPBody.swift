import Dissection

/// How a message's body is delimited (RFC 9112 section 6.3).
public enum HTTPBodyFraming: Hashable, Sendable {
    case none
    case length(Int64)
    case chunked
    /// A response without a length: the body runs to the end of the connection.
    case untilClose
    /// After CONNECT 2xx or 101 Switching Protocols: no more HTTP on this connection.
    case tunnel
}

/// Walks one body as its bytes arrive, in any split: counts what is on the
/// wire and hands the content (de-chunked) to a callback.
struct HTTPBodyReader {
    private enum State {
        case length(remaining: Int64)
        case chunkSize
        case chunkData(remaining: Int64)
        /// The CRLF after a chunk's data; `seenCR` when it is split.
        case chunkDataEnd(seenCR: Bool)
        /// Trailer lines after the last chunk; `lineLength` of the current one.
        case trailers(lineLength: Int)
        case untilClose
        case done
    }

    private var state: State
    private var line: [UInt8] = []
    private let limits: HTTPLimits
    /// Body bytes on the wire, chunk framing included; content bytes de-chunked. Gaps count in both.
    private(set) var wireBytes: Int64 = 0
    private(set) var contentBytes: Int64 = 0
    private(set) var trailerBytes: Int64 = 0

    init(_ framing: HTTPBodyFraming, limits: HTTPLimits) {
        self.limits = limits
        switch framing {
        case .none, .tunnel: state = .done
        case .length(let n): state = n > 0 ? .length(remaining: n) : .done
        case .chunked: state = .chunkSize
        case .untilClose: state = .untilClose
        }
    }

    var isDone: Bool { if case .done = state { true } else { false } }
    var runsUntilClose: Bool { if case .untilClose = state { true } else { false } }

    /// Consumes from the front of `bytes` up to the body's end; returns how many bytes it took.
    mutating func consume(_ bytes: UnsafeRawBufferPointer, content: (UnsafeRawBufferPointer) -> Void) throws(ParseError) -> Int {
        var cursor = ByteCursor(bytes)
        while !cursor.isAtEnd {
            switch state {
            case .done:
                return cursor.position
            case .untilClose:
                takeContent(&cursor, Int64(cursor.remaining), content)
            case .length(let remaining):
                let left = remaining - takeContent(&cursor, remaining, content)
                state = left == 0 ? .done : .length(remaining: left)
            case .chunkData(let remaining):
                let left = remaining - takeContent(&cursor, remaining, content)
                state = left == 0 ? .chunkDataEnd(seenCR: false) : .chunkData(remaining: left)
            case .chunkDataEnd(let seenCR):
                guard let byte = cursor.readUInt8() else { break }
                wireBytes += 1
                if byte == 0x0a { state = .chunkSize }
                else if byte == 0x0d, !seenCR { state = .chunkDataEnd(seenCR: true) }
                else { throw ParseError(.malformed, at: cursor.position - 1, "chunk data not followed by CRLF") }
            case .chunkSize:
                guard let byte = cursor.readUInt8() else { break }
                wireBytes += 1
                if byte != 0x0a {
                    guard line.count < limits.maxChunkLineLength else {
                        throw ParseError(.limitExceeded, at: cursor.position, "chunk-size line longer than \(limits.maxChunkLineLength)")
                    }
                    line.append(byte)
                    continue
                }
                let size = try Self.chunkSize(line, at: cursor.position)
                line.removeAll(keepingCapacity: true)
                state = size == 0 ? .trailers(lineLength: 0) : .chunkData(remaining: size)
            case .trailers(let lineLength):
                guard let byte = cursor.readUInt8() else { break }
                wireBytes += 1
                trailerBytes += 1
                guard trailerBytes <= Int64(limits.maxHeadBytes) else {
                    throw ParseError(.limitExceeded, at: cursor.position, "trailers longer than \(limits.maxHeadBytes)")
                }
                if byte == 0x0a {
                    state = lineLength == 0 ? .done : .trailers(lineLength: 0)
                } else if byte != 0x0d {
                    state = .trailers(lineLength: lineLength + 1)
                }
            }
        }
        return cursor.position
    }

    @discardableResult
    private mutating func takeContent(_ cursor: inout ByteCursor, _ limit: Int64,
                                      _ content: (UnsafeRawBufferPointer) -> Void) -> Int64 {
        let count = Int(min(Int64(cursor.remaining), limit))
        guard let slice = cursor.readSlice(count) else { return 0 }
        wireBytes += Int64(count)
        contentBytes += Int64(count)
        content(slice)
        return Int64(count)
    }

    /// Hex size before any `;extension`, surrounding whitespace allowed.
    private static func chunkSize(_ line: [UInt8], at offset: Int) throws(ParseError) -> Int64 {
        var value: Int64 = 0
        var digits = 0
        var index = 0
        while index < line.count, line[index] == 0x20 || line[index] == 0x09 { index += 1 }
        while index < line.count {
            let byte = line[index]
            let nibble: Int64
            switch byte {
            case 0x30...0x39: nibble = Int64(byte - 0x30)
            case 0x41...0x46: nibble = Int64(byte - 0x41 + 10)
            case 0x61...0x66: nibble = Int64(byte - 0x61 + 10)
            default: nibble = -1
            }
            if nibble < 0 { break }
            digits += 1
            // 15 hex digits stay below 2^60: no overflow, and no real chunk is larger.
            guard digits <= 15 else { throw ParseError(.malformed, at: offset, "chunk size too large") }
            value = value << 4 | nibble
            index += 1
        }
        guard digits > 0 else { throw ParseError(.malformed, at: offset, "chunk-size line without a size") }
        while index < line.count, line[index] == 0x20 || line[index] == 0x09 || line[index] == 0x0d { index += 1 }
        guard index == line.count || line[index] == 0x3b else {
            throw ParseError(.malformed, at: offset, "junk after the chunk size")
        }
        return value
    }

    /// `length` body bytes are missing: absorbed when they fall inside
    /// content whose extent is known; false when the framing is lost.
    mutating func gap(_ length: Int) -> Bool {
        let n = Int64(length)
        switch state {
        case .untilClose:
            break
        case .length(let remaining) where n <= remaining:
            state = n == remaining ? .done : .length(remaining: remaining - n)
        case .chunkData(let remaining) where n <= remaining:
            state = n == remaining ? .chunkDataEnd(seenCR: false) : .chunkData(remaining: remaining - n)
        default:
            return false
        }
        wireBytes += n
        contentBytes += n
        return true
    }
}
