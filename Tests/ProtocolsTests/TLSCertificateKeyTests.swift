import Testing
@testable import Protocols

/// Certificates whose RSA key BoringSSL refuses: swift-crypto 3.12 frees
/// such a key twice (found by `ops/fuzz/run tls`; under ASan it aborts at
/// once, without it the heap is quietly corrupted). They must never reach
/// swift-certificates, and come out unparsed with their fingerprints.
@Suite struct TLSCertificateKeyTests {
    /// A minimal X.509 v3 certificate with an RSA key, DER-encoded by hand.
    enum DERBuild {
        static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
            let n = content.count
            let length: [UInt8] = n < 0x80 ? [UInt8(n)] : n < 0x100 ? [0x81, UInt8(n)] : [0x82, UInt8(n >> 8), UInt8(n & 0xff)]
            return [tag] + length + content
        }
        static func sequence(_ parts: [UInt8]...) -> [UInt8] { tlv(0x30, parts.flatMap { $0 }) }
        static let null = tlv(0x05, [])
        static let sha256WithRSA = tlv(0x06, [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b])
        static let rsaEncryption = tlv(0x06, [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01])
        static func name(_ commonName: String) -> [UInt8] {
            sequence(tlv(0x31, sequence(tlv(0x06, [0x55, 0x04, 0x03]), tlv(0x0c, Array(commonName.utf8)))))
        }

        static func certificate(modulus: [UInt8], exponent: [UInt8]) -> [UInt8] {
            let algorithm = sequence(sha256WithRSA, null)
            let key = sequence(tlv(0x02, modulus), tlv(0x02, exponent))
            let spki = sequence(sequence(rsaEncryption, null), tlv(0x03, [0] + key))
            let validity = sequence(tlv(0x17, Array("240101000000Z".utf8)), tlv(0x17, Array("340101000000Z".utf8)))
            let tbs = sequence(tlv(0xa0, tlv(0x02, [2])), tlv(0x02, [0x01, 0x23]), algorithm, name("issuer.test"), validity,
                               name("leaf.test"), spki)
            return sequence(tbs, algorithm, tlv(0x03, [0] + [UInt8](repeating: 0x5a, count: 256)))
        }

        /// A 2048-bit odd modulus as a DER INTEGER (leading zero: its top bit is set).
        static let modulus: [UInt8] = [0x00, 0xc3] + [UInt8](repeating: 0x5b, count: 254) + [0x65]
        static let exponent: [UInt8] = [0x01, 0x00, 0x01]
    }

    @Test func wellFormedRSAKeyParses() {
        let der = DERBuild.certificate(modulus: DERBuild.modulus, exponent: DERBuild.exponent)
        #expect(TLSRSAKeyCheck.safeToParse(der))
        let info = TLSCertificateInfo(der: der)
        #expect(info.parsed)
        #expect(info.subject.commonNames == ["leaf.test"] && info.issuer.commonNames == ["issuer.test"])
        #expect(info.serialNumber == "0123" && info.version == 3)
    }

    @Test("An RSA key BoringSSL refuses leaves the certificate unparsed instead of aborting",
          arguments: [
              ("even modulus", DERBuild.modulus.dropLast() + [0x64], DERBuild.exponent),
              ("256-bit modulus", [0x00, 0xc3] + [UInt8](repeating: 0x5b, count: 30) + [0x65], DERBuild.exponent),
              ("negative modulus", Array(DERBuild.modulus.dropFirst()), DERBuild.exponent),
              ("exponent 1", DERBuild.modulus, [0x01]),
              ("even exponent", DERBuild.modulus, [0x01, 0x00, 0x00]),
              ("34-bit exponent", DERBuild.modulus, [0x03, 0x00, 0x00, 0x00, 0x01]),
          ] as [(String, [UInt8], [UInt8])])
    func refusedRSAKeyIsUnparsed(_ reason: String, _ modulus: [UInt8], _ exponent: [UInt8]) {
        let der = DERBuild.certificate(modulus: modulus, exponent: exponent)
        #expect(!TLSRSAKeyCheck.safeToParse(der))
        let info = TLSCertificateInfo(der: der)
        #expect(!info.parsed)
        #expect(info.sha256.count == 64)
    }

    @Test func boringSSLBounds() {
        let odd512: ArraySlice<UInt8> = [0x80] + [UInt8](repeating: 0, count: 62) + [0x01]
        #expect(TLSRSAKeyCheck.boringSSLAccepts(modulus: odd512, exponent: [0x03]))
        #expect(!TLSRSAKeyCheck.boringSSLAccepts(modulus: odd512.dropFirst(), exponent: [0x03]))
        #expect(!TLSRSAKeyCheck.boringSSLAccepts(modulus: odd512, exponent: []))
        #expect(TLSRSAKeyCheck.boringSSLAccepts(modulus: odd512, exponent: [0x01, 0xff, 0xff, 0xff, 0xff]))
        #expect(!TLSRSAKeyCheck.boringSSLAccepts(modulus: odd512, exponent: [0x02, 0x00, 0x00, 0x00, 0x01]))
    }
}
