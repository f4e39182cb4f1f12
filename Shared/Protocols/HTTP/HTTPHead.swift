import Dissection
import Foundation

/// Bounds on what one HTTP connection may make NetSift hold or compute.
public struct HTTPLimits: Sendable, Hashable {
    /// One start or header line (Apache's LimitRequestLine/LimitRequestFieldSize are 8190).
    public var maxLineLength = 8192
    /// Header fields per message (Apache's LimitRequestFields).
    public var maxHeaderCount = 100
    /// A whole head, start line to empty line (nginx's large buffers are 4 × 8 KiB; this is twice that).
    public var maxHeadBytes = 64 << 10
    /// Requests waiting for their responses (pipelining depth).
    public var maxPendingRequests = 64
    /// A chunk-size line with its extensions.
    public var maxChunkLineLength = 1024
    /// Decompressed bytes counted per body before giving up (compression bombs).
    public var maxDecodedBytes: Int64 = 64 << 20

    public init() {}
}

/// Protocol faults and oddities, recorded on the message while parsing goes on.
public struct HTTPAnomalies: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let obsoleteLineFolding = HTTPAnomalies(rawValue: 1 << 0)
    public static let bareLineFeed = HTTPAnomalies(rawValue: 1 << 1)
    public static let invalidHeaderLine = HTTPAnomalies(rawValue: 1 << 2)
    public static let spaceBeforeColon = HTTPAnomalies(rawValue: 1 << 3)
    public static let conflictingContentLength = HTTPAnomalies(rawValue: 1 << 4)
    public static let invalidContentLength = HTTPAnomalies(rawValue: 1 << 5)
    public static let transferEncodingWithContentLength = HTTPAnomalies(rawValue: 1 << 6)
    public static let unknownTransferEncoding = HTTPAnomalies(rawValue: 1 << 7)
    public static let gapInBody = HTTPAnomalies(rawValue: 1 << 8)
    public static let bodyTruncated = HTTPAnomalies(rawValue: 1 << 9)
    public static let decodingFailed = HTTPAnomalies(rawValue: 1 << 10)
    public static let decodedLimitExceeded = HTTPAnomalies(rawValue: 1 << 11)
    public static let leadingEmptyLines = HTTPAnomalies(rawValue: 1 << 12)
    public static let invalidAuthorization = HTTPAnomalies(rawValue: 1 << 13)
    /// A gap cut the head: what came before it is reported.
    public static let truncatedHead = HTTPAnomalies(rawValue: 1 << 14)

    static let names: [(HTTPAnomalies, String)] = [
        (.obsoleteLineFolding, "obs_fold"), (.bareLineFeed, "bare_lf"), (.invalidHeaderLine, "invalid_header_line"),
        (.spaceBeforeColon, "space_before_colon"), (.conflictingContentLength, "conflicting_content_length"),
        (.invalidContentLength, "invalid_content_length"),
        (.transferEncodingWithContentLength, "transfer_encoding_with_content_length"),
        (.unknownTransferEncoding, "unknown_transfer_encoding"), (.gapInBody, "gap_in_body"),
        (.bodyTruncated, "body_truncated"), (.decodingFailed, "decoding_failed"),
        (.decodedLimitExceeded, "decoded_limit_exceeded"), (.leadingEmptyLines, "leading_empty_lines"),
        (.invalidAuthorization, "invalid_authorization"), (.truncatedHead, "truncated_head"),
    ]

    public var names: [String] { Self.names.filter { contains($0.0) }.map(\.1) }
}

/// A parsed message head as ranges into the bytes it was parsed from: no
/// copies until a caller asks for a field.
public struct HTTPHead {
    public enum StartLine: Hashable {
        case request(method: Range<Int>, target: Range<Int>)
        case response(status: Int, reason: Range<Int>)
    }

    public struct Field: Hashable {
        public var name: Range<Int>
        /// Trimmed of surrounding whitespace; with obs-fold it spans the continuation lines.
        public var value: Range<Int>
    }

    public var startLine: StartLine
    public var versionMajor: Int
    public var versionMinor: Int
    public var fields: [Field]
    /// Bytes from the start of the buffer through the empty line.
    public var length: Int
    public var anomalies: HTTPAnomalies

    public var isRequest: Bool { if case .request = startLine { true } else { false } }
}

/// Parses HTTP/1.x heads. `parse` returns nil while the head is incomplete
/// and throws when it is malformed or passes a limit.
public enum HTTPHeadParser {
    /// With `partial`, the bytes are all there will be (a gap follows): the
    /// head ends where they end, its last line may be cut, and it is flagged
    /// `truncatedHead`; nil if not even a start line is there.
    public static func parse(_ bytes: UnsafeRawBufferPointer, limits: HTTPLimits = HTTPLimits(),
                             partial: Bool = false) throws(ParseError) -> HTTPHead? {
        var cursor = ByteCursor(bytes)
        var anomalies: HTTPAnomalies = []
        // RFC 9112 2.2: a server should ignore at least one empty line before a request line.
        var startLine: Range<Int>
        var emptyLines = 0
        repeat {
            guard let line = try nextLine(&cursor, limits: limits, anomalies: &anomalies, partial: partial) else {
                return partial ? nil : try incomplete(bytes, limits)
            }
            startLine = line
            emptyLines += 1
            if emptyLines > 8 { throw ParseError(.malformed, at: line.lowerBound, "empty lines before the start line") }
        } while startLine.isEmpty
        if emptyLines > 1 { anomalies.insert(.leadingEmptyLines) }

        // A gap cut the start line itself: method and target may still be whole.
        let startLineCut = partial && cursor.isAtEnd && bytes.peek(bytes.count - 1) != 0x0a
        var head = try parseStartLine(bytes, startLine, cut: startLineCut)
        head.fields.reserveCapacity(16)
        if startLineCut { anomalies.insert(.truncatedHead) }
        while true {
            guard let line = try nextLine(&cursor, limits: limits, anomalies: &anomalies, partial: partial) else {
                guard partial else { return try incomplete(bytes, limits) }
                anomalies.insert(.truncatedHead)
                break
            }
            if line.isEmpty { break }
            guard cursor.position <= limits.maxHeadBytes else {
                throw ParseError(.limitExceeded, at: line.lowerBound, "head longer than \(limits.maxHeadBytes) bytes")
            }
            let first = bytes.peek(line.lowerBound)
            if first == 0x20 || first == 0x09 {
                anomalies.insert(.obsoleteLineFolding)
                if var last = head.fields.popLast() {
                    last.value = last.value.lowerBound ..< trimmed(bytes, line).upperBound
                    if last.value.isEmpty { last.value = trimmed(bytes, line) }
                    head.fields.append(last)
                } else {
                    anomalies.insert(.invalidHeaderLine)
                }
                continue
            }
            guard let colon = firstIndex(of: 0x3a, in: bytes, line) else {
                anomalies.insert(.invalidHeaderLine)
                continue
            }
            var name = line.lowerBound ..< colon
            let trimmedName = trimmed(bytes, name)
            if trimmedName != name { anomalies.insert(.spaceBeforeColon); name = trimmedName }
            guard !name.isEmpty else { anomalies.insert(.invalidHeaderLine); continue }
            guard head.fields.count < limits.maxHeaderCount else {
                throw ParseError(.limitExceeded, at: line.lowerBound, "more than \(limits.maxHeaderCount) header fields")
            }
            head.fields.append(HTTPHead.Field(name: name, value: trimmed(bytes, colon + 1 ..< line.upperBound)))
        }
        head.length = cursor.position
        head.anomalies = anomalies
        return head
    }

    private static func incomplete(_ bytes: UnsafeRawBufferPointer, _ limits: HTTPLimits) throws(ParseError) -> HTTPHead? {
        if bytes.count > limits.maxHeadBytes {
            throw ParseError(.limitExceeded, at: limits.maxHeadBytes, "head longer than \(limits.maxHeadBytes) bytes")
        }
        return nil
    }

    /// The next line without its CRLF (or bare LF); nil when no line end is in the buffer yet.
    private static func nextLine(_ cursor: inout ByteCursor, limits: HTTPLimits, anomalies: inout HTTPAnomalies,
                                 partial: Bool) throws(ParseError) -> Range<Int>? {
        let start = cursor.position
        // A line end is looked for as far as a line may go: one byte past the limit.
        let longest = max(0, limits.maxLineLength)
        if let lineFeed = firstIndex(of: 0x0a, in: cursor.bytes, start ..< start + min(cursor.remaining, longest + 1)) {
            var end = lineFeed
            if lineFeed > start, cursor.bytes.peek(lineFeed - 1) == 0x0d { end -= 1 } else { anomalies.insert(.bareLineFeed) }
            _ = cursor.skip(lineFeed + 1 - start)
            return start ..< end
        }
        if cursor.remaining > longest {
            throw ParseError(.limitExceeded, at: start, "line longer than \(limits.maxLineLength) bytes")
        }
        let length = cursor.remaining
        guard partial, length > 0 else { return nil }
        _ = cursor.skip(length)
        return start ..< start + length
    }

    /// With `cut`, a request line may end inside its version: the version is then unknown (-1).
    private static func parseStartLine(_ bytes: UnsafeRawBufferPointer, _ line: Range<Int>, cut: Bool) throws(ParseError) -> HTTPHead {
        let parts = split(bytes, line, maxParts: 3)
        func fail(_ detail: String) -> ParseError { ParseError(.malformed, at: line.lowerBound, detail) }
        if let version = parseVersion(bytes, parts[0]) {
            guard parts.count >= 2, parts[1].count == 3, let status = decimal(bytes, parts[1]), status >= 100 else {
                throw fail("bad status code")
            }
            let reason = parts.count == 3 ? parts[2] : line.upperBound ..< line.upperBound
            return HTTPHead(startLine: .response(status: status, reason: reason), versionMajor: version.0,
                            versionMinor: version.1, fields: [], length: 0, anomalies: [])
        }
        if cut, parts.count >= 2, isToken(bytes, parts[0]), parts.count == 2 || isVersionPrefix(bytes, parts[2]) {
            let version = parts.count == 3 ? parseVersion(bytes, parts[2]) : nil
            return HTTPHead(startLine: .request(method: parts[0], target: parts[1]), versionMajor: version?.0 ?? -1,
                            versionMinor: version?.1 ?? -1, fields: [], length: 0, anomalies: [])
        }
        guard parts.count == 3, isToken(bytes, parts[0]), let version = parseVersion(bytes, parts[2]) else {
            throw fail("not an HTTP/1.x start line")
        }
        return HTTPHead(startLine: .request(method: parts[0], target: parts[1]), versionMajor: version.0,
                        versionMinor: version.1, fields: [], length: 0, anomalies: [])
    }

    /// Up to `maxParts` space-separated parts; the last keeps its inner spaces.
    private static func split(_ bytes: UnsafeRawBufferPointer, _ line: Range<Int>, maxParts: Int) -> [Range<Int>] {
        var parts: [Range<Int>] = []
        var start = line.lowerBound
        var index = line.lowerBound
        while index < line.upperBound, parts.count < maxParts - 1 {
            if bytes.peek(index) == 0x20 {
                if index > start { parts.append(start ..< index) }
                start = index + 1
            }
            index += 1
        }
        while start < line.upperBound, bytes.peek(start) == 0x20 { start += 1 }
        if start < line.upperBound || parts.isEmpty { parts.append(start ..< line.upperBound) }
        return parts
    }

    private static func parseVersion(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> (Int, Int)? {
        guard range.count == 8, HTTPText.hasPrefix(bytes, range, "HTTP/"), bytes.peek(range.lowerBound + 6) == 0x2e,
              let major = digit(bytes.peek(range.lowerBound + 5)), let minor = digit(bytes.peek(range.lowerBound + 7)) else {
            return nil
        }
        return (major, minor)
    }

    /// A cut version: "HTT", "HTTP/1.", ...
    private static func isVersionPrefix(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        let pattern = Array("HTTP/".utf8)
        return range.count <= 8 && zip(range, pattern).allSatisfy { bytes.peek($0.0) == $0.1 }
    }

    private static func digit(_ byte: UInt8?) -> Int? {
        guard let byte, byte >= 0x30, byte <= 0x39 else { return nil }
        return Int(byte - 0x30)
    }

    static func decimal(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int? {
        guard !range.isEmpty, range.count <= 18 else { return nil }
        var value = 0
        for index in range {
            guard let d = digit(bytes.peek(index)) else { return nil }
            value = value * 10 + d
        }
        return value
    }

    private static func isToken(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        guard !range.isEmpty, range.count <= 32 else { return false }
        return range.allSatisfy { index in
            guard let b = bytes.peek(index) else { return false }
            return b > 0x20 && b < 0x7f && !isSeparator(b)
        }
    }

    /// RFC 2616's separators, the characters a token may not hold.
    private static func isSeparator(_ b: UInt8) -> Bool {
        switch b {
        case 0x28, 0x29, 0x3c, 0x3e, 0x40, 0x2c, 0x3b, 0x3a, 0x5c, 0x22, 0x2f, 0x5b, 0x5d, 0x3f, 0x3d, 0x7b, 0x7d: true
        default: false
        }
    }

    private static func firstIndex(of byte: UInt8, in bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int? {
        guard range.lowerBound >= 0, range.upperBound <= bytes.count, !range.isEmpty, let base = bytes.baseAddress,
              let found = memchr(base + range.lowerBound, Int32(byte), range.count) else { return nil }
        return UnsafeRawPointer(found) - base
    }

    static func trimmed(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound, upper = range.upperBound
        func isSpace(_ i: Int) -> Bool { let b = bytes.peek(i); return b == 0x20 || b == 0x09 || b == 0x0d || b == 0x0a }
        while lower < upper, isSpace(lower) { lower += 1 }
        while upper > lower, isSpace(upper - 1) { upper -= 1 }
        return lower ..< upper
    }
}

extension UnsafeRawBufferPointer {
    /// One byte through a bounds check: nil outside the buffer.
    @inline(__always)
    func peek(_ index: Int) -> UInt8? { ByteCursor(self).peekUInt8(at: index) }
}

/// Byte-range helpers over head text (ASCII case-insensitive, no copies).
enum HTTPText {
    static func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte }

    static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ lowercase: String) -> Bool {
        range.count == lowercase.utf8.count && hasPrefix(bytes, range, lowercase, ignoringCase: true)
    }

    static func hasPrefix(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ prefix: String, ignoringCase: Bool = false) -> Bool {
        guard range.count >= prefix.utf8.count else { return false }
        var index = range.lowerBound
        for c in prefix.utf8 {
            guard let b = bytes.peek(index), (ignoringCase ? lower(b) : b) == c else { return false }
            index += 1
        }
        return true
    }

    /// `string(bytes, range).lowercased()`, made directly from the bytes when they are ASCII.
    static func lowercasedString(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        guard range.lowerBound >= 0, range.upperBound <= bytes.count else { return "" }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[range])
        guard slice.allSatisfy({ $0 < 0x80 && $0 != 0x0d && $0 != 0x0a }) else { return string(bytes, range).lowercased() }
        return String(unsafeUninitializedCapacity: slice.count) { out in
            for (index, byte) in slice.enumerated() { out[index] = lower(byte) }
            return slice.count
        }
    }

    /// The bytes as text (invalid UTF-8 repaired); obs-fold line breaks become spaces.
    static func string(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        guard range.lowerBound >= 0, range.upperBound <= bytes.count else { return "" }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[range])
        if slice.contains(where: { $0 == 0x0d || $0 == 0x0a }) {
            return String(decoding: slice.map { $0 == 0x0d || $0 == 0x0a ? 0x20 : $0 }, as: UTF8.self)
        }
        return String(decoding: slice, as: UTF8.self)
    }
}
