import Dissection

/// Decodes one BOOTP/DHCPv4 message. Throws only when the 236-byte fixed
/// part is missing; option faults end up in `error` with what was read.
public struct DHCPParser: Sendable {
    public var limits: DHCPLimits
    public init(limits: DHCPLimits = DHCPLimits()) { self.limits = limits }

    public static let fixedLength = 236
    public static let magicCookie: UInt32 = 0x6382_5363
    static let serverNameRange = 44 ..< 108
    static let fileRange = 108 ..< 236

    public func parse(_ bytes: UnsafeRawBufferPointer) throws(ParseError) -> DHCPMessage {
        var cursor = ByteCursor(bytes)
        guard let op = cursor.readUInt8(), let htype = cursor.readUInt8(), let hlen = cursor.readUInt8(),
              let hops = cursor.readUInt8(), let xid = cursor.readUInt32(), let secs = cursor.readUInt16(),
              let flags = cursor.readUInt16(), let ciaddr = cursor.readUInt32(), let yiaddr = cursor.readUInt32(),
              let siaddr = cursor.readUInt32(), let giaddr = cursor.readUInt32(), let chaddr = cursor.readSlice(16),
              let sname = cursor.readSlice(64), let file = cursor.readSlice(128) else {
            throw ParseError(.truncated, at: bytes.count, "BOOTP needs \(Self.fixedLength) bytes, have \(bytes.count)")
        }
        var message = DHCPMessage(
            op: op, hardwareType: htype, hardwareLength: hlen, hops: hops, transactionID: xid, seconds: secs,
            flags: flags, clientAddress: IPAddress(v4: ciaddr), yourAddress: IPAddress(v4: yiaddr),
            serverAddress: IPAddress(v4: siaddr), relayAddress: IPAddress(v4: giaddr),
            clientHardwareAddress: Array(chaddr.prefix(Int(min(hlen, 16)))), serverName: Self.cString(sname),
            bootFile: Self.cString(file), length: bytes.count)
        if hlen > 16 { message.error = ParseError(.malformed, at: 2, "hardware address length \(hlen) over 16") }
        if op != 1 && op != 2, message.error == nil { message.error = ParseError(.malformed, at: 0, "op \(op) is neither request nor reply") }
        guard let cookie = cursor.readUInt32() else { return message }
        message.magicCookie = cookie
        guard cookie == Self.magicCookie else {
            message.error = ParseError(.malformed, at: Self.fixedLength, "magic cookie 0x\(String(cookie, radix: 16))")
            return message
        }
        let reader = DHCPOptionReader(limits: limits)
        reader.read(UnsafeRawBufferPointer(rebasing: bytes[cursor.position...]), base: cursor.position, area: .options, into: &message)
        // Overload (option 52): `file` then `sname` carry more options (RFC 2131 4.1).
        if let overload = message.decoded.overload {
            if overload & 1 != 0 {
                reader.read(file, base: Self.fileRange.lowerBound, area: .file, into: &message)
                message.bootFile = ""
            }
            if overload & 2 != 0 {
                reader.read(sname, base: Self.serverNameRange.lowerBound, area: .sname, into: &message)
                message.serverName = ""
            }
        }
        return message
    }

    static func cString(_ bytes: UnsafeRawBufferPointer) -> String {
        let end = bytes.firstIndex(of: 0) ?? bytes.count
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[..<end]), as: UTF8.self)
    }
}

/// Walks one option area: pad (0), end (255), code-length-value otherwise.
struct DHCPOptionReader {
    let limits: DHCPLimits

    func read(_ area: UnsafeRawBufferPointer, base: Int, area name: DHCPOptionEntry.Area, into message: inout DHCPMessage) {
        var cursor = ByteCursor(area)
        while let code = cursor.readUInt8() {
            if code == 0 { continue }
            if code == 255 { return }
            let start = base + cursor.position - 1
            guard let length = cursor.readUInt8(), let value = cursor.readSlice(Int(length)) else {
                message.note(ParseError(.truncated, at: start, "option \(code) runs past the end"))
                return
            }
            guard message.options.count < limits.maxOptions else {
                message.droppedOptions += 1
                message.note(ParseError(.limitExceeded, at: start, "more than \(limits.maxOptions) options"))
                continue
            }
            message.options.append(DHCPOptionEntry(code: code, length: Int(length), area: name))
            if !DHCPOptionDecoder.decode(code, value, into: &message.decoded) {
                message.note(ParseError(.malformed, at: start, "option \(code) has a bad length \(length)"))
            }
        }
        // An options field without END is common enough in the wild to be only a note.
    }
}

extension DHCPMessage {
    mutating func note(_ fault: ParseError) {
        if error == nil { error = fault }
    }
}
