import Foundation

/// Splits a raw HTTP/1.x response into status and body.
enum HTTPResponseParser {
    private static let headerEnd: [UInt8] = Array("\r\n\r\n".utf8)

    /// True once the head is in and, when it gives a Content-Length, the
    /// whole body too.
    static func isComplete(_ raw: [UInt8]) -> Bool {
        guard let end = headEnd(raw), let length = contentLength(head(raw, end)) else { return false }
        return raw.count - end >= length
    }

    static func parse(_ raw: [UInt8]) throws(HTTPProbeError) -> (status: Int, body: [UInt8]) {
        guard let end = headEnd(raw) else {
            throw HTTPProbeError(.malformedResponse, "response ended before its headers (\(raw.count) bytes)")
        }
        let lines = head(raw, end)
        let statusLine = lines.first?.split(separator: " ", maxSplits: 2) ?? []
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/1."), let status = Int(statusLine[1]) else {
            throw HTTPProbeError(.malformedResponse, "not an HTTP/1.x status line: \(lines.first ?? "")")
        }
        if header("transfer-encoding", in: lines)?.lowercased().contains("chunked") == true {
            throw HTTPProbeError(.malformedResponse, "chunked responses are not supported")
        }
        var body = Array(raw[end...])
        if let length = contentLength(lines) {
            guard body.count >= length else {
                throw HTTPProbeError(.malformedResponse, "body shorter than its Content-Length \(length)")
            }
            body = Array(body.prefix(length))
        }
        return (status, body)
    }

    /// The index just past the blank line that ends the head.
    private static func headEnd(_ raw: [UInt8]) -> Int? {
        guard raw.count >= headerEnd.count else { return nil }
        for start in 0...(raw.count - headerEnd.count) where raw[start..<start + headerEnd.count].elementsEqual(headerEnd) {
            return start + headerEnd.count
        }
        return nil
    }

    private static func head(_ raw: [UInt8], _ end: Int) -> [String] {
        String(decoding: raw[..<(end - headerEnd.count)], as: UTF8.self)
            .split(separator: "\r\n", omittingEmptySubsequences: false)
            .map(String.init)
    }

    private static func header(_ name: String, in lines: [String]) -> String? {
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == name {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    private static func contentLength(_ lines: [String]) -> Int? {
        header("content-length", in: lines).flatMap { Int($0) }
    }
}
