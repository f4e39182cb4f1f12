import Dissection

/// Decodes one DNS message (RFC 1035) from its bytes, without a TCP length
/// prefix. Throws only when even the 12-byte header is missing; any later
/// fault ends decoding with what was read so far and the fault in `error`.
public struct DNSParser: Sendable {
    public var limits: DNSLimits

    public init(limits: DNSLimits = DNSLimits()) { self.limits = limits }

    public static let headerLength = 12

    public func parse(_ bytes: UnsafeRawBufferPointer) throws(ParseError) -> DNSMessage {
        var cursor = ByteCursor(bytes)
        guard let id = cursor.readUInt16(), let flags = cursor.readUInt16(), let qd = cursor.readUInt16(),
              let an = cursor.readUInt16(), let ns = cursor.readUInt16(), let ar = cursor.readUInt16() else {
            throw ParseError(.truncated, at: bytes.count, "DNS header needs 12 bytes, have \(bytes.count)")
        }
        let header = DNSHeader(id: id, flags: DNSFlags(rawValue: flags), questionCount: qd, answerCount: an,
                               authorityCount: ns, additionalCount: ar)
        var message = DNSMessage(header: header, length: bytes.count)
        var reader = SectionReader(names: DNSNameReader(message: bytes, limits: limits), position: cursor.position)
        do throws(ParseError) {
            try reader.questions(count: Int(qd), into: &message)
            try reader.records(count: Int(an), into: .answers, of: &message)
            try reader.records(count: Int(ns), into: .authorities, of: &message)
            try reader.records(count: Int(ar), into: .additionals, of: &message)
            if reader.position < bytes.count && message.error == nil {
                // Trailing bytes are tolerated (padding by some stacks) but noted.
                message.error = ParseError(.malformed, at: reader.position,
                                           "\(bytes.count - reader.position) bytes after the last record")
            }
        } catch {
            message.error = error
        }
        return message
    }
}

/// Walks the four sections in order.
private struct SectionReader {
    let names: DNSNameReader
    var position: Int
    var bytes: UnsafeRawBufferPointer { names.message }
    var limits: DNSLimits { names.limits }

    mutating func questions(count: Int, into message: inout DNSMessage) throws(ParseError) {
        for index in 0 ..< count {
            let keep = index < limits.maxQuestions
            let name = try names.read(at: position, build: keep)
            let cursor = ByteCursor(bytes)
            guard let type = cursor.peekUInt16(at: name.end), let rrClass = cursor.peekUInt16(at: name.end + 2) else {
                throw ParseError(.truncated, at: name.end, "question type and class cut short")
            }
            position = name.end + 4
            if keep {
                message.questions.append(DNSQuestion(name: name.text, type: type, class: rrClass,
                                                     nameTruncated: name.truncated))
                if name.truncated { message.noteLimit(at: position, "question name longer than \(limits.maxNameLength)") }
            } else {
                message.droppedRecords += 1
                message.noteLimit(at: position, "more than \(limits.maxQuestions) questions")
            }
        }
    }

    enum Section { case answers, authorities, additionals }

    mutating func records(count: Int, into section: Section, of message: inout DNSMessage) throws(ParseError) {
        for _ in 0 ..< count {
            let kept = message.answers.count + message.authorities.count + message.additionals.count
            let keep = kept < limits.maxRecords
            let name = try names.read(at: position, build: keep)
            var cursor = ByteCursor(bytes, at: name.end)
            guard let type = cursor.readUInt16(), let rrClass = cursor.readUInt16(), let ttl = cursor.readUInt32(),
                  let length = cursor.readUInt16() else {
                throw ParseError(.truncated, at: name.end, "record header cut short")
            }
            let start = cursor.position
            guard cursor.skip(Int(length)) else {
                throw ParseError(.truncated, at: start, "RDATA of \(length) bytes runs past the end of the message")
            }
            position = cursor.position
            guard keep else {
                message.droppedRecords += 1
                message.noteLimit(at: start, "more than \(limits.maxRecords) records")
                continue
            }
            var data = DNSRecordData.other
            do throws(ParseError) {
                data = try DNSRDataDecoder(names: names).decode(type: type, class: rrClass, ttl: ttl,
                                                                start: start, length: Int(length))
            } catch {
                // The record's length still frames it: note the fault, keep going.
                if message.error == nil { message.error = error }
            }
            let record = DNSRecord(name: name.text, type: type, class: rrClass, ttl: ttl, rdataLength: Int(length),
                                   data: data, nameTruncated: name.truncated)
            switch section {
            case .answers: message.answers.append(record)
            case .authorities: message.authorities.append(record)
            case .additionals: message.additionals.append(record)
            }
            if name.truncated { message.noteLimit(at: start, "record name longer than \(limits.maxNameLength)") }
        }
    }
}

extension DNSMessage {
    mutating func noteLimit(at offset: Int, _ detail: String) {
        if error == nil { error = ParseError(.limitExceeded, at: offset, detail) }
    }
}
