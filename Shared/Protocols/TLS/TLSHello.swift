import Dissection

/// Extension code points NetSift reads (IANA "TLS ExtensionType Values").
public enum TLSExtension {
    public static let serverName: UInt16 = 0
    public static let supportedGroups: UInt16 = 10
    public static let ecPointFormats: UInt16 = 11
    public static let signatureAlgorithms: UInt16 = 13
    public static let alpn: UInt16 = 16
    public static let sessionTicket: UInt16 = 35
    /// key_share before TLS 1.3 draft 23 moved it to 51.
    public static let keyShareDraft: UInt16 = 40
    public static let preSharedKey: UInt16 = 41
    public static let supportedVersions: UInt16 = 43
    public static let pskKeyExchangeModes: UInt16 = 45
    public static let keyShare: UInt16 = 51
}

/// A parsed ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2) with the
/// extensions fingerprints and analysts use. Every list is bounded by the
/// handshake message bound of the record reader (64 KiB).
public struct TLSClientHello: Hashable, Sendable {
    public var legacyVersion: TLSVersion
    public var random: [UInt8]
    public var sessionID: [UInt8]
    public var cipherSuites: [UInt16]
    public var compressionMethods: [UInt8]
    /// Extension types in wire order (GREASE included; fingerprints drop it).
    public var extensions: [UInt16] = []
    public var serverName: String?
    public var supportedGroups: [UInt16] = []
    public var ecPointFormats: [UInt8] = []
    public var signatureAlgorithms: [UInt16] = []
    /// ALPN protocol names as offered, raw bytes (JA4 reads the first one's bytes).
    public var alpnProtocols: [[UInt8]] = []
    public var supportedVersions: [TLSVersion] = []
    public var keyShareGroups: [UInt16] = []
    public var pskKeyExchangeModes: [UInt8] = []
    public var offersPreSharedKey = false
    public var offersSessionTicket = false
    /// An extension's inner structure contradicted its length; its value was left out.
    public var malformedExtension = false

    public var alpn: [String] { alpnProtocols.map { String(decoding: $0, as: UTF8.self) } }

    /// The version the client really asks for: the highest non-GREASE
    /// `supported_versions` entry, else `legacy_version`.
    public var highestVersion: TLSVersion {
        supportedVersions.filter { !$0.isGREASE }.max() ?? legacyVersion
    }

    public static func parse(_ body: UnsafeRawBufferPointer) throws(ParseError) -> TLSClientHello {
        var c = ByteCursor(body)
        guard let version = c.readUInt16(), let random = c.readSlice(32) else {
            throw ParseError(.truncated, at: c.position, "ClientHello version/random")
        }
        let sessionID = try TLSWire.vector8(&c, "session id")
        let ciphers = try TLSWire.vector16(&c, "cipher suites")
        guard ciphers.count % 2 == 0 else { throw ParseError(.malformed, at: c.position, "odd cipher suites length") }
        let compression = try TLSWire.vector8(&c, "compression methods")
        var hello = TLSClientHello(
            legacyVersion: TLSVersion(rawValue: version), random: Array(random), sessionID: Array(sessionID),
            cipherSuites: TLSWire.uint16s(ciphers), compressionMethods: Array(compression))
        try TLSWire.extensions(&c) { type, data in hello.readExtension(type, data) }
        return hello
    }

    private mutating func readExtension(_ type: UInt16, _ data: UnsafeRawBufferPointer) {
        extensions.append(type)
        var c = ByteCursor(data)
        let ok: Bool
        switch type {
        case TLSExtension.serverName:
            ok = readServerName(&c)
        case TLSExtension.supportedGroups:
            ok = TLSWire.list16(&c).map { supportedGroups = $0 } != nil
        case TLSExtension.ecPointFormats:
            ok = (try? TLSWire.vector8(&c, "")).map { ecPointFormats = Array($0) } != nil
        case TLSExtension.signatureAlgorithms:
            ok = TLSWire.list16(&c).map { signatureAlgorithms = $0 } != nil
        case TLSExtension.alpn:
            ok = TLSWire.protocolNames(&c).map { alpnProtocols = $0 } != nil
        case TLSExtension.supportedVersions:
            ok = (try? TLSWire.vector8(&c, "")).flatMap { raw -> Bool? in
                guard raw.count % 2 == 0 else { return nil }
                supportedVersions = TLSWire.uint16s(raw).map(TLSVersion.init(rawValue:))
                return true
            } != nil
        case TLSExtension.keyShare, TLSExtension.keyShareDraft:
            ok = readKeyShares(&c)
        case TLSExtension.pskKeyExchangeModes:
            ok = (try? TLSWire.vector8(&c, "")).map { pskKeyExchangeModes = Array($0) } != nil
        case TLSExtension.preSharedKey:
            offersPreSharedKey = true
            ok = true
        case TLSExtension.sessionTicket:
            offersSessionTicket = !data.isEmpty
            ok = true
        default:
            ok = true
        }
        if !ok { malformedExtension = true }
    }

    /// RFC 6066 §3: the first host_name entry is the SNI.
    private mutating func readServerName(_ c: inout ByteCursor) -> Bool {
        guard let list = try? TLSWire.vector16(&c, "") else { return false }
        var names = ByteCursor(list)
        while !names.isAtEnd {
            guard let kind = names.readUInt8(), let name = try? TLSWire.vector16(&names, "") else { return false }
            if kind == 0, serverName == nil { serverName = String(decoding: name, as: UTF8.self) }
        }
        return true
    }

    /// KeyShareClientHello: the groups only (the key material is not kept).
    private mutating func readKeyShares(_ c: inout ByteCursor) -> Bool {
        guard let list = try? TLSWire.vector16(&c, "") else { return false }
        var shares = ByteCursor(list)
        while !shares.isAtEnd {
            guard let group = shares.readUInt16(), (try? TLSWire.vector16(&shares, "")) != nil else { return false }
            keyShareGroups.append(group)
        }
        return true
    }
}

/// A parsed ServerHello (or HelloRetryRequest, which shares its shape).
public struct TLSServerHello: Hashable, Sendable {
    /// RFC 8446 §4.1.3: the random of a HelloRetryRequest, SHA-256("HelloRetryRequest").
    static let helloRetryRandom: [UInt8] = [
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
    ]

    public var legacyVersion: TLSVersion
    public var random: [UInt8]
    public var sessionID: [UInt8]
    public var cipherSuite: UInt16
    public var compressionMethod: UInt8
    public var extensions: [UInt16] = []
    /// `supported_versions` (TLS 1.3): the version really negotiated.
    public var selectedVersion: TLSVersion?
    public var alpn: String?
    public var keyShareGroup: UInt16?
    public var malformedExtension = false

    public var isHelloRetryRequest: Bool { random == Self.helloRetryRandom }
    /// The negotiated version: `supported_versions` if present, else `legacy_version`.
    public var version: TLSVersion { selectedVersion ?? legacyVersion }

    public static func parse(_ body: UnsafeRawBufferPointer) throws(ParseError) -> TLSServerHello {
        var c = ByteCursor(body)
        guard let version = c.readUInt16(), let random = c.readSlice(32) else {
            throw ParseError(.truncated, at: c.position, "ServerHello version/random")
        }
        let legacy = TLSVersion(rawValue: version)
        // TLS 1.3 drafts before 22 dropped session id and compression from ServerHello.
        let draftShape = legacy.draft.map { $0 < 22 } ?? false
        var sessionID: [UInt8] = []
        if !draftShape { sessionID = Array(try TLSWire.vector8(&c, "session id")) }
        guard let cipher = c.readUInt16() else { throw ParseError(.truncated, at: c.position, "ServerHello cipher suite") }
        var compression: UInt8 = 0
        if !draftShape {
            guard let method = c.readUInt8() else { throw ParseError(.truncated, at: c.position, "ServerHello compression") }
            compression = method
        }
        var hello = TLSServerHello(legacyVersion: legacy, random: Array(random), sessionID: sessionID,
                                   cipherSuite: cipher, compressionMethod: compression)
        try TLSWire.extensions(&c) { type, data in hello.readExtension(type, data) }
        return hello
    }

    private mutating func readExtension(_ type: UInt16, _ data: UnsafeRawBufferPointer) {
        extensions.append(type)
        var c = ByteCursor(data)
        switch type {
        case TLSExtension.supportedVersions:
            if let raw = c.readUInt16() { selectedVersion = TLSVersion(rawValue: raw) } else { malformedExtension = true }
        case TLSExtension.alpn:
            if let names = TLSWire.protocolNames(&c), let first = names.first {
                alpn = String(decoding: first, as: UTF8.self)
            } else {
                malformedExtension = true
            }
        case TLSExtension.keyShare, TLSExtension.keyShareDraft:
            // ServerHello: one KeyShareEntry; HelloRetryRequest: the group alone.
            keyShareGroup = c.readUInt16()
        default:
            break
        }
    }
}

/// Length-prefixed vectors and extension blocks, read through ByteCursor.
/// What a vector is (for the error) is only put into words when it is malformed.
enum TLSWire {
    static func vector8(_ c: inout ByteCursor, _ what: @autoclosure () -> String) throws(ParseError)
        -> UnsafeRawBufferPointer {
        guard let length = c.readUInt8() else { throw ParseError(.truncated, at: c.position, "\(what()) length") }
        guard let slice = c.readSlice(Int(length)) else { throw ParseError(.malformed, at: c.position, "\(what()) past its message") }
        return slice
    }

    static func vector16(_ c: inout ByteCursor, _ what: @autoclosure () -> String) throws(ParseError)
        -> UnsafeRawBufferPointer {
        guard let length = c.readUInt16() else { throw ParseError(.truncated, at: c.position, "\(what()) length") }
        guard let slice = c.readSlice(Int(length)) else { throw ParseError(.malformed, at: c.position, "\(what()) past its message") }
        return slice
    }

    static func vector24(_ c: inout ByteCursor, _ what: @autoclosure () -> String) throws(ParseError)
        -> UnsafeRawBufferPointer {
        guard let high = c.readUInt8(), let low = c.readUInt16() else {
            throw ParseError(.truncated, at: c.position, "\(what()) length")
        }
        guard let slice = c.readSlice(Int(high) << 16 | Int(low)) else {
            throw ParseError(.malformed, at: c.position, "\(what()) past its message")
        }
        return slice
    }

    static func uint16s(_ raw: UnsafeRawBufferPointer) -> [UInt16] {
        var c = ByteCursor(raw)
        var out: [UInt16] = []
        out.reserveCapacity(raw.count / 2)
        while let value = c.readUInt16() { out.append(value) }
        return out
    }

    /// A 16-bit-length list of 16-bit values (groups, signature schemes); nil when malformed.
    static func list16(_ c: inout ByteCursor) -> [UInt16]? {
        guard let raw = try? vector16(&c, ""), raw.count % 2 == 0 else { return nil }
        return uint16s(raw)
    }

    /// ProtocolNameList (RFC 7301 §3.1); nil when malformed.
    static func protocolNames(_ c: inout ByteCursor) -> [[UInt8]]? {
        guard let list = try? vector16(&c, "") else { return nil }
        var names = ByteCursor(list)
        var out: [[UInt8]] = []
        while !names.isAtEnd {
            guard let name = try? vector8(&names, "") else { return nil }
            out.append(Array(name))
        }
        return out
    }

    /// The optional extensions block ending a hello: each (type, data) in order.
    static func extensions(_ c: inout ByteCursor, _ each: (UInt16, UnsafeRawBufferPointer) -> Void) throws(ParseError) {
        guard !c.isAtEnd else { return }
        let block = try vector16(&c, "extensions")
        var e = ByteCursor(block)
        while !e.isAtEnd {
            guard let type = e.readUInt16() else { throw ParseError(.truncated, at: c.position, "extension type") }
            let data = try vector16(&e, "extension \(type)")
            each(type, data)
        }
    }
}
