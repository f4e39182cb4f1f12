import Events
import Dissection
import Testing
@testable import Protocols

@Suite struct TLSUnitTests {
    typealias B = TLSBuild

    /// A ClientHello like a browser's: GREASE first, SNI, ALPN, versions, groups.
    static let browserHello = B.clientHello(ciphers: [0x0a0a, 0x1301, 0xc02f, 0x002f], extensions: [
        B.ext(0x1a1a, []), B.sni("example.com"), B.ext(23, []),
        B.ext(10, B.list16([0x2a2a, 29, 23])), B.ext(11, B.vec8([0])),
        B.ext(13, B.list16([0x0403, 0x0804])), B.alpn(["h2", "http/1.1"]),
        B.ext(43, B.vec8(B.u16(0x3a3a) + B.u16(0x0304) + B.u16(0x0303))),
        B.ext(51, B.vec16(B.u16(29) + B.vec16([UInt8](repeating: 1, count: 32)))), B.ext(45, B.vec8([1])),
    ])

    static func session(_ chunks: [([UInt8], Direction)], finish: Bool = true) -> [TLSTransaction] {
        var session = TLSSession()
        var out: [TLSTransaction] = []
        for (bytes, direction) in chunks {
            out += bytes.withUnsafeBytes { session.receive($0, direction: direction, time: 1) }
        }
        if finish { out += session.finish(time: 2) }
        return out
    }

    @Test func recordHeader() throws {
        let good: [UInt8] = [22, 3, 1, 0, 5]
        let header = try good.withUnsafeBytes { raw throws(ParseError) in try TLSRecordHeader.parse(ByteCursor(raw)) }
        #expect(header == TLSRecordHeader(contentType: .handshake, version: .tls10, length: 5))
        for (bytes, kind) in [([UInt8]([99, 3, 1, 0, 5]), ParseError.Kind.malformed), ([22, 2, 0, 0, 5], .malformed),
                              ([23, 3, 3, 0xff, 0xff], .limitExceeded)] {
            #expect(throws: ParseError.self) {
                _ = try bytes.withUnsafeBytes { raw throws(ParseError) in try TLSRecordHeader.parse(ByteCursor(raw)) }
            }
            let error = bytes.withUnsafeBytes { raw -> ParseError? in
                do throws(ParseError) { _ = try TLSRecordHeader.parse(ByteCursor(raw)); return nil } catch { return error }
            }
            #expect(error?.kind == kind)
        }
        let short: [UInt8] = [22, 3]
        #expect(try short.withUnsafeBytes { raw throws(ParseError) in try TLSRecordHeader.parse(ByteCursor(raw)) } == nil)
    }

    @Test func clientHelloFields() throws {
        let message = Self.browserHello
        let hello = try Array(message.dropFirst(4)).withUnsafeBytes { raw throws(ParseError) in try TLSClientHello.parse(raw) }
        #expect(hello.serverName == "example.com")
        #expect(hello.alpn == ["h2", "http/1.1"])
        #expect(hello.supportedGroups == [0x2a2a, 29, 23])
        #expect(hello.ecPointFormats == [0])
        #expect(hello.signatureAlgorithms == [0x0403, 0x0804])
        #expect(hello.highestVersion == .tls13)
        #expect(hello.keyShareGroups == [29])
        #expect(hello.pskKeyExchangeModes == [1])
        #expect(!hello.malformedExtension)
        #expect(TLSFingerprint.ja3String(hello) == "771,4865-49199-47,0-23-10-11-13-16-43-51-45,29-23,0")
        #expect(TLSFingerprint.md5(TLSFingerprint.ja3String(hello)).count == 32)
        let ja4 = TLSFingerprint.ja4(hello)
        #expect(ja4.hasPrefix("t13d0309h2_"))
        // b: sorted ciphers; c: sorted extensions without SNI/ALPN, then signature algorithms.
        #expect(ja4.split(separator: "_").map(\.count) == [10, 12, 12])
    }

    @Test func ja4Pieces() {
        #expect(TLSFingerprint.ja4ALPN(nil) == "00")
        #expect(TLSFingerprint.ja4ALPN(Array("h2".utf8)) == "h2")
        #expect(TLSFingerprint.ja4ALPN(Array("http/1.1".utf8)) == "h1")
        #expect(TLSFingerprint.ja4ALPN([0xab, 0x01]) == "a1")
        #expect(TLSFingerprint.ja4Version(TLSVersion(rawValue: 0x7f12)) == "00")
        #expect(TLSFingerprint.ja4Version(.ssl3) == "s3")
        // No extensions at all: part c is twelve zeros; no ciphers: part b too.
        let bare = TLSClientHello(legacyVersion: .tls10, random: [], sessionID: [], cipherSuites: [], compressionMethods: [0])
        #expect(TLSFingerprint.ja4(bare) == "t10i000000_000000000000_000000000000")
        #expect(TLSFingerprint.ja3String(bare) == "769,,,,")
    }

    @Test func greaseValues() {
        #expect(TLSGrease.contains(0x0a0a) && TLSGrease.contains(0xfafa) && TLSGrease.contains(0x7a7a))
        #expect(!TLSGrease.contains(0x0a1a) && !TLSGrease.contains(0x1301) && !TLSGrease.contains(0xeaeb))
    }

    @Test func fullHandshakeWholeAndByteByByte() {
        let serverFlight = B.record(22, B.serverHello(cipher: 0xc02f, extensions: [B.alpn(["h2"]), B.ext(65281, [0])])
                                    + B.handshake(14, []))
        let chunks: [([UInt8], Direction)] = [
            (B.record(22, Self.browserHello), .toServer), (serverFlight, .toClient),
            (B.record(20, [1]) + B.record(22, [0x14, 0, 0, 12] + [UInt8](repeating: 7, count: 12)), .toServer),
            (B.record(20, [1]) + B.record(22, [UInt8](repeating: 9, count: 40)), .toClient),
            (B.record(23, [1, 2, 3]), .toServer),
        ]
        let whole = Self.session(chunks)
        #expect(whole.count == 1)
        let t = whole.first
        #expect(t?.established == true)
        #expect(t?.clientHello?.serverName == "example.com")
        #expect(t?.serverHello?.alpn == "h2")
        #expect(t?.ja3sString == "771,49199,16-65281")
        #expect(t?.anomalies == [])
        let fields = Dictionary((t?.fields ?? []).map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(fields["tls.cipher"] == .string("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"))
        #expect(fields["tls.version"] == .string("1.2"))
        #expect(fields["tls.version_protocol"] == .string("tls"))
        #expect(fields["tls.next_protocol"] == .string("h2"))
        #expect(fields["tls.client.server_name"] == .string("example.com"))
        // Byte by byte gives the same transaction.
        let dripped = Self.session(chunks.flatMap { chunk in chunk.0.map { ([$0], chunk.1) } })
        #expect(dripped.count == 1)
        #expect(dripped.first?.clientHello == t?.clientHello)
        #expect(dripped.first?.ja3sString == t?.ja3sString)
        #expect(dripped.first?.established == true)
    }

    @Test func handshakeSplitAcrossRecords() {
        let split = B.records(Self.browserHello, size: 7)
        let t = Self.session([(split, .toServer)])
        #expect(t.count == 1)
        #expect(t.first?.clientHello?.serverName == "example.com")
        #expect(t.first?.established == false)
        // Several messages in one record, and a record split in two chunks.
        let flight = B.record(22, B.serverHello(cipher: 0x2f) + B.handshake(11, B.vec24([])) + B.handshake(14, []))
        let t2 = Self.session([(B.record(22, Self.browserHello), .toServer), (Array(flight.prefix(9)), .toClient),
                               (Array(flight.dropFirst(9)), .toClient)])
        #expect(t2.first?.serverHello?.cipherSuite == 0x2f)
    }

    @Test func tls13ServerHello() {
        let server = B.record(22, B.serverHello(cipher: 0x1301, extensions: [
            B.ext(43, B.u16(0x0304)), B.ext(51, B.u16(29) + B.vec16([UInt8](repeating: 2, count: 32)))]))
            + B.record(20, [1]) + B.record(23, [UInt8](repeating: 3, count: 50))
        let client = B.record(20, [1]) + B.record(23, [UInt8](repeating: 4, count: 50))
        let t = Self.session([(B.record(22, Self.browserHello, version: 0x0301), .toServer), (server, .toClient), (client, .toServer)],
                             finish: false)
        #expect(t.count == 1)
        #expect(t.first?.version == .tls13)
        #expect(t.first?.certificatesEncrypted == true)
        #expect(t.first?.established == true)
        #expect(t.first?.serverHello?.keyShareGroup == 29)
        let fields = Dictionary((t.first?.fields ?? []).map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(fields["tls.version"] == .string("1.3"))
        #expect(fields["tls.detailed.certificates_encrypted"] == .bool(true))
    }

    @Test func helloRetryRequestKeepsFirstClientHello() {
        let hrr = B.record(22, B.serverHello(cipher: 0x1301, extensions: [B.ext(43, B.u16(0x0304)), B.ext(51, B.u16(23))],
                                             random: TLSServerHello.helloRetryRandom))
        let second = B.clientHello(ciphers: [0x1301], extensions: [B.sni("second.example")])
        let t = Self.session([(B.record(22, Self.browserHello), .toServer), (hrr, .toClient),
                              (B.record(20, [1]) + B.record(22, second), .toServer)])
        #expect(t.first?.helloRetryRequest == true)
        #expect(t.first?.clientHello?.serverName == "example.com")
        #expect(t.first?.anomalies == [])
    }

    @Test func draft18ServerHello() throws {
        // Drafts before 22: version, random, cipher, extensions (no session id, no compression).
        let body = B.u16(0x7f12) + [UInt8](repeating: 5, count: 32) + B.u16(0x1301) + B.vec16(B.ext(40, B.u16(29) + B.vec16([1])))
        let hello = try body.withUnsafeBytes { raw throws(ParseError) in try TLSServerHello.parse(raw) }
        #expect(hello.version.draft == 18)
        #expect(TLSFingerprint.ja3sString(hello) == "32530,4865,40")
        #expect(hello.version.name == "TLS 1.3 draft-18")
    }

    @Test func fatalAlertEmits() {
        let t = Self.session([(B.record(22, Self.browserHello), .toServer), (B.record(21, [2, 40]), .toClient)], finish: false)
        #expect(t.count == 1)
        #expect(t.first?.alerts.first?.name == "handshake_failure")
        #expect(t.first?.alerts.first?.fromServer == true)
        #expect(t.first?.established == false)
    }

    @Test func faultsAreFlagged() {
        // Not TLS at all.
        let plain = Self.session([(Array("GET / HTTP/1.1\r\n\r\n".utf8), .toServer)])
        #expect(plain.first?.anomalies == [.notTLS])
        // A truncated ClientHello body inside a complete record.
        let cut = B.handshake(1, Array(Self.browserHello.dropFirst(4).prefix(40)))
        #expect(Self.session([(B.record(22, cut), .toServer)]).first?.anomalies.contains(.malformedClientHello) == true)
        // An extension block whose length runs past the message.
        var bad = Self.browserHello
        bad[4 + 2 + 32 + 1 + 2 + 8 + 1 + 1] = 0xff
        #expect(Self.session([(B.record(22, bad), .toServer)]).first?.anomalies.contains(.malformedClientHello) == true)
        // A gap: the direction stops.
        var session = TLSSession()
        _ = B.record(22, Self.browserHello).withUnsafeBytes { session.receive($0, direction: .toServer, time: 0) }
        _ = session.gap(100, direction: .toClient, time: 1)
        #expect(session.finish(time: 2).first?.anomalies == [.gap])
        // A handshake message above the bound is skipped and counted.
        let huge = [UInt8(11)] + B.u24(100_000) + [UInt8](repeating: 0, count: 100_000)
        let big = Self.session([(B.record(22, Self.browserHello), .toServer), (B.records(huge, size: 16384), .toClient)])
        #expect(big.first?.anomalies == [.handshakeMessageTooLong])
        #expect((big.first?.droppedBytes ?? 0) >= 100_000)
        // A malformed certificate list.
        let certs = Self.session([(B.record(22, Self.browserHello), .toServer),
                                  (B.record(22, B.serverHello(cipher: 0x2f) + B.handshake(11, B.u24(50) + [1, 2])), .toClient)])
        #expect(certs.first?.anomalies == [.malformedCertificateMessage])
        // An unparseable certificate keeps its fingerprints.
        let junk = Self.session([(B.record(22, Self.browserHello), .toServer),
                                 (B.record(22, B.serverHello(cipher: 0x2f) + B.handshake(11, B.vec24(B.vec24([0x30, 3, 1, 2, 3])))), .toClient)])
        #expect(junk.first?.anomalies == [.unparseableCertificate])
        #expect(junk.first?.serverCertificates.first?.sha1.count == 40)
    }

    @Test func sslv2ClientHelloIsFlagged() {
        // SSLv2 header (0x80, length), type 1, version 3.1, cipher spec/session/challenge lengths, data.
        let body: [UInt8] = [1, 3, 1, 0, 3, 0, 0, 0, 16] + [0, 0, 0x2f] + [UInt8](repeating: 0xaa, count: 16)
        let record = [0x80, UInt8(body.count)] + body
        #expect(record.withUnsafeBytes { TLSModule.sniff($0, direction: .toServer) })
        let t = Self.session([(record, .toServer)])
        #expect(t.first?.sslv2ClientHello == .tls10)
        #expect(t.first?.anomalies == [.sslv2ClientHello])
    }

    @Test func sniffAndModule() {
        #expect(TLSModule.descriptor.dataset == .tls)
        #expect(TLSModule.defaultPorts == [443, 993, 995, 5223, 8443, 8883, 9243])
        #expect(B.record(22, Self.browserHello).withUnsafeBytes { TLSModule.sniff($0, direction: .toServer) })
        #expect(!B.record(22, B.serverHello(cipher: 1)).withUnsafeBytes { TLSModule.sniff($0, direction: .toClient) })
        #expect(!Array("GET / HTTP/1.1".utf8).withUnsafeBytes { TLSModule.sniff($0, direction: .toServer) })
        #expect(![UInt8]([22, 3]).withUnsafeBytes { TLSModule.sniff($0, direction: .toServer) })
    }

    @Test func versionNames() {
        #expect(TLSVersion.tls12.name == "TLS 1.2")
        #expect(TLSVersion(rawValue: 0x7f1c).name == "TLS 1.3 draft-28")
        #expect(TLSVersion.ssl3.ecsProtocol == "ssl" && TLSVersion.ssl3.ecsVersion == "3.0")
        #expect(TLSVersion(rawValue: 0x1234).ecsVersion == nil)
        #expect(TLSCipherSuites.name(0x1301) == "TLS_AES_128_GCM_SHA256")
        #expect(TLSCipherSuites.name(0x0a0a) == nil)
    }
}
