import Dissection

/// Decodes the value of the options `DHCPOptions` keeps; false when the
/// value's length does not fit its option.
enum DHCPOptionDecoder {
    static func decode(_ code: UInt8, _ value: UnsafeRawBufferPointer, into options: inout DHCPOptions) -> Bool {
        var cursor = ByteCursor(value)
        func address() -> IPAddress? { value.count == 4 ? cursor.readUInt32().map { IPAddress(v4: $0) } : nil }
        func addresses() -> [IPAddress]? {
            guard value.count % 4 == 0, !value.isEmpty else { return nil }
            var out: [IPAddress] = []
            while let v = cursor.readUInt32() { out.append(IPAddress(v4: v)) }
            return out
        }
        func seconds() -> UInt32? { value.count == 4 ? cursor.readUInt32() : nil }
        func store<T>(_ decoded: T?, _ apply: (inout DHCPOptions, T) -> Void) -> Bool {
            guard let decoded else { return false }
            apply(&options, decoded)
            return true
        }
        switch code {
        case 1: return store(address()) { $0.subnetMask = $1 }
        case 3: return store(addresses()) { $0.routers += $1 }
        case 6: return store(addresses()) { $0.dnsServers += $1 }
        case 12: options.hostname = DHCPText.string(value)
        case 15: options.domainName = DHCPText.string(value)
        case 28: return store(address()) { $0.broadcastAddress = $1 }
        case 50: return store(address()) { $0.requestedAddress = $1 }
        case 51: return store(seconds()) { $0.leaseTime = $1 }
        case 52: return store(value.count == 1 ? cursor.readUInt8() : nil) { $0.overload = $1 }
        case 53: return store(value.count == 1 ? cursor.readUInt8() : nil) { $0.messageType = $1 }
        case 54: return store(address()) { $0.serverIdentifier = $1 }
        case 55: options.parameterRequestList += value
        case 56: options.message = DHCPText.string(value)
        case 57: return store(value.count == 2 ? cursor.readUInt16() : nil) { $0.maxMessageSize = $1 }
        case 58: return store(seconds()) { $0.renewalTime = $1 }
        case 59: return store(seconds()) { $0.rebindingTime = $1 }
        case 60: options.vendorClass = DHCPText.string(value)
        case 61:
            guard !value.isEmpty else { return false }
            options.clientIdentifier = Array(value)
        case 77: return store(userClass(value)) { $0.userClass += $1 }
        case 81: return store(clientFQDN(value)) { $0.clientFQDN = $1 }
        case 82: return store(subOptions(value)) { $0.relayAgent += $1 }
        default: break
        }
        return true
    }

    /// RFC 3004 instances (length-prefixed); a value that is not a valid
    /// instance list is the older single-string form.
    static func userClass(_ value: UnsafeRawBufferPointer) -> [String]? {
        var cursor = ByteCursor(value)
        var out: [String] = []
        while let count = cursor.readUInt8() {
            guard count > 0, let instance = cursor.readSlice(Int(count)) else { return [DHCPText.string(value)] }
            out.append(String(decoding: instance, as: UTF8.self))
        }
        return out
    }

    /// Flags, two rcodes, then the name: DNS wire form when the E flag is set, else ASCII.
    static func clientFQDN(_ value: UnsafeRawBufferPointer) -> DHCPClientFQDN? {
        var cursor = ByteCursor(value)
        guard let flags = cursor.readUInt8(), let rcode1 = cursor.readUInt8(), let rcode2 = cursor.readUInt8(),
              let rest = cursor.readSlice(cursor.remaining) else { return nil }
        var name = DHCPText.string(rest)
        if flags & 0x04 != 0 {
            // Wire form: labels without compression; a partial name (no root) is allowed.
            var labels = ByteCursor(rest)
            var parts: [String] = []
            while let count = labels.readUInt8(), count > 0 {
                guard count < 64, let label = labels.readSlice(Int(count)) else { return nil }
                parts.append(String(decoding: label, as: UTF8.self))
            }
            name = parts.joined(separator: ".")
        }
        return DHCPClientFQDN(flags: flags, rcode1: rcode1, rcode2: rcode2, domainName: name)
    }

    static func subOptions(_ value: UnsafeRawBufferPointer) -> [DHCPRelaySubOption]? {
        var cursor = ByteCursor(value)
        var out: [DHCPRelaySubOption] = []
        while let code = cursor.readUInt8() {
            guard let count = cursor.readUInt8(), let data = cursor.readSlice(Int(count)) else { return nil }
            out.append(DHCPRelaySubOption(code: code, value: Array(data)))
        }
        return out
    }
}
