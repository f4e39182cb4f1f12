import Dissection

/// Decodes the RDATA of one record, inside the bounds its length gives;
/// names inside it may point anywhere earlier in the message.
struct DNSRDataDecoder {
    let names: DNSNameReader

    func decode(type: UInt16, class rrClass: UInt16, ttl: UInt32, start: Int, length: Int) throws(ParseError) -> DNSRecordData {
        guard let rdata = DNSNameReader.slice(names.message, at: start, count: length) else {
            throw ParseError(.truncated, at: start, "RDATA cut short")
        }
        var cursor = ByteCursor(rdata)
        let end = start + length
        func name(at offset: Int) throws(ParseError) -> DNSNameReader.Name {
            let name = try names.read(at: start + offset)
            guard name.end <= end else { throw ParseError(.malformed, at: start + offset, "name runs past its RDATA") }
            return name
        }
        func fault(_ what: String) -> ParseError { ParseError(.malformed, at: start, "\(DNSType.name(type)) \(what)") }

        switch type {
        case DNSType.a:
            guard length == 4, let v = cursor.readUInt32() else { throw fault("RDATA of \(length) bytes, not 4") }
            return .address(IPAddress(v4: v))
        case DNSType.aaaa:
            guard length == 16, let hi = cursor.peekUInt64(), let lo = cursor.peekUInt64(at: 8) else {
                throw fault("RDATA of \(length) bytes, not 16")
            }
            return .address(IPAddress(v6High: hi, v6Low: lo))
        case DNSType.cname, DNSType.ns, DNSType.ptr, DNSType.dname:
            return .name(try name(at: 0).text)
        case DNSType.mx:
            guard let preference = cursor.readUInt16() else { throw fault("without preference") }
            return .mx(preference: preference, exchange: try name(at: 2).text)
        case DNSType.txt:
            var strings: [String] = []
            while !cursor.isAtEnd {
                guard let count = cursor.readUInt8(), let text = cursor.readSlice(Int(count)) else {
                    throw fault("string runs past its RDATA")
                }
                strings.append(Self.characterString(text))
            }
            return .txt(strings)
        case DNSType.soa:
            let primary = try name(at: 0)
            let mailbox = try name(at: primary.end - start)
            var numbers = ByteCursor(rdata, at: mailbox.end - start)
            guard let serial = numbers.readUInt32(), let refresh = numbers.readUInt32(), let retry = numbers.readUInt32(),
                  let expire = numbers.readUInt32(), let minimum = numbers.readUInt32() else {
                throw fault("timers cut short")
            }
            return .soa(DNSSOA(primary: primary.text, mailbox: mailbox.text, serial: serial, refresh: refresh,
                               retry: retry, expire: expire, minimum: minimum))
        case DNSType.srv:
            guard let priority = cursor.readUInt16(), let weight = cursor.readUInt16(), let port = cursor.readUInt16() else {
                throw fault("fields cut short")
            }
            return .srv(priority: priority, weight: weight, port: port, target: try name(at: 6).text)
        case DNSType.svcb, DNSType.https:
            guard let priority = cursor.readUInt16() else { throw fault("without priority") }
            let target = try name(at: 2)
            var binding = DNSServiceBinding(priority: priority, target: target.text)
            var params = ByteCursor(rdata, at: target.end - start)
            while !params.isAtEnd {
                guard let key = params.readUInt16(), let count = params.readUInt16(),
                      let value = params.readSlice(Int(count)) else { throw fault("parameter runs past its RDATA") }
                binding.keys.append(key)
                guard Self.decodeParameter(key, value, into: &binding) else { throw fault("parameter \(key) malformed") }
            }
            return .svcb(binding)
        case DNSType.opt:
            var edns = DNSEDNS(udpPayloadSize: rrClass, extendedRcode: UInt8(truncatingIfNeeded: ttl >> 24),
                               version: UInt8(truncatingIfNeeded: ttl >> 16), dnssecOK: ttl & 0x8000 != 0)
            while !cursor.isAtEnd {
                guard let code = cursor.readUInt16(), let count = cursor.readUInt16(), cursor.skip(Int(count)) else {
                    throw fault("option runs past its RDATA")
                }
                edns.optionCodes.append(code)
            }
            return .opt(edns)
        default:
            return .other
        }
    }

    static func decodeParameter(_ key: UInt16, _ value: UnsafeRawBufferPointer, into binding: inout DNSServiceBinding) -> Bool {
        var cursor = ByteCursor(value)
        switch key {
        case 1: // alpn
            while !cursor.isAtEnd {
                guard let count = cursor.readUInt8(), let id = cursor.readSlice(Int(count)) else { return false }
                binding.alpn.append(String(decoding: id, as: UTF8.self))
            }
        case 2: binding.noDefaultALPN = true
        case 3:
            guard value.count == 2, let port = cursor.readUInt16() else { return false }
            binding.port = port
        case 4:
            guard value.count % 4 == 0 else { return false }
            while let v = cursor.readUInt32() { binding.ipv4Hints.append(IPAddress(v4: v)) }
        case 6:
            guard value.count % 16 == 0 else { return false }
            while let hi = cursor.peekUInt64(), let lo = cursor.peekUInt64(at: 8), cursor.skip(16) {
                binding.ipv6Hints.append(IPAddress(v6High: hi, v6Low: lo))
            }
        default: break
        }
        return true
    }

    /// A <character-string> in presentation form: `"` and `\` escaped, non-printable bytes as `\DDD`.
    static func characterString(_ bytes: UnsafeRawBufferPointer) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count)
        DNSNameReader.appendEscaped(bytes, to: &text, special: (UInt8(ascii: "\""), UInt8(ascii: "\\")), printable: 0x20 ... 0x7e)
        return String(decoding: text, as: UTF8.self)
    }
}

extension DNSRecordData {
    /// Presentation form (dig-like, names without their trailing dot):
    /// `10 mx.example.com`, `"v=spf1" "-all"`, `1 . alpn=h3,h2 ipv4hint=...`.
    public var text: String {
        switch self {
        case .address(let address): address.description
        case .name(let name): name
        case .mx(let preference, let exchange): "\(preference) \(exchange)"
        case .txt(let strings): strings.map { "\"\($0)\"" }.joined(separator: " ")
        case .soa(let soa):
            "\(soa.primary) \(soa.mailbox) \(soa.serial) \(soa.refresh) \(soa.retry) \(soa.expire) \(soa.minimum)"
        case .srv(let priority, let weight, let port, let target): "\(priority) \(weight) \(port) \(target)"
        case .svcb(let binding): binding.text
        case .opt(let edns):
            "udp_payload_size=\(edns.udpPayloadSize) version=\(edns.version)" + (edns.dnssecOK ? " do" : "")
                + (edns.optionCodes.isEmpty ? "" : " options=" + edns.optionCodes.map(String.init).joined(separator: ","))
        case .other: ""
        }
    }
}

extension DNSServiceBinding {
    /// RFC 9460 presentation form, parameters in wire order.
    public var text: String {
        var parts = ["\(priority)", target]
        for key in keys {
            switch key {
            case 0: parts.append("mandatory")
            case 1: parts.append("alpn=" + alpn.joined(separator: ","))
            case 2: parts.append("no-default-alpn")
            case 3: parts.append("port=\(port ?? 0)")
            case 4: parts.append("ipv4hint=" + ipv4Hints.map(\.description).joined(separator: ","))
            case 5: parts.append("ech")
            case 6: parts.append("ipv6hint=" + ipv6Hints.map(\.description).joined(separator: ","))
            default: parts.append("key\(key)")
            }
        }
        return parts.joined(separator: " ")
    }
}
