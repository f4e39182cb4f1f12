import SwiftASN1

/// swift-crypto 3.12 frees an RSA key twice when BoringSSL refuses it
/// (`BoringSSLRSAPublicKey`'s initialiser frees its key when both of its
/// parses fail, then its deinit frees it again), and BoringSSL aborts the
/// process on the second free; swift-certificates hands it the RSA key of
/// every certificate it parses. So a certificate whose RSA key BoringSSL
/// would refuse, or that this check cannot read as far as its key, is not
/// given to swift-certificates: it is reported unparsed, as
/// swift-certificates would have reported it. (Found by ops/fuzz.)
enum TLSRSAKeyCheck {
    /// Whether `Certificate(derEncoded:)` may be called on `der`.
    static func safeToParse(_ der: [UInt8]) -> Bool {
        guard let spki = try? subjectPublicKeyInfo(der) else { return false }
        let parts = children(spki)
        guard parts.count == 2, let algorithm = children(parts[0]).first,
              let oid = try? ASN1ObjectIdentifier(derEncoded: algorithm) else { return false }
        guard oid == .AlgorithmIdentifier.rsaEncryption else { return true }
        guard let key = try? ASN1BitString(derEncoded: parts[1]).bytes,
              let (modulus, exponent) = try? pkcs1(key) else { return false }
        return boringSSLAccepts(modulus: modulus, exponent: exponent)
    }

    /// The node swift-certificates reads as the SubjectPublicKeyInfo: the
    /// sixth of the TBSCertificate after an optional `[0]` version.
    private static func subjectPublicKeyInfo(_ der: [UInt8]) throws -> ASN1Node {
        guard let tbs = children(try DER.parse(der)).first else { throw ASN1Error.invalidASN1Object(reason: "no TBSCertificate") }
        var fields = children(tbs)[...]
        if let first = fields.first, first.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) {
            fields = fields.dropFirst()
        }
        guard fields.count >= 6 else { throw ASN1Error.invalidASN1Object(reason: "TBSCertificate too short") }
        return fields[fields.startIndex + 5]
    }

    /// RSAPublicKey (PKCS #1) as swift-certificates reads it: modulus and
    /// exponent as magnitudes (swift-asn1 refuses negative and non-minimal
    /// integers, as BoringSSL's `BN_parse_asn1_unsigned` does).
    private static func pkcs1(_ key: ArraySlice<UInt8>) throws -> (ArraySlice<UInt8>, ArraySlice<UInt8>) {
        try DER.sequence(try DER.parse(Array(key)), identifier: .sequence) { nodes in
            (try ArraySlice<UInt8>(derEncoded: &nodes), try ArraySlice<UInt8>(derEncoded: &nodes))
        }
    }

    /// BoringSSL's `rsa_check_public_key`: an odd modulus of 512 to 16,384
    /// bits and an odd exponent of 2 to 33 bits.
    static func boringSSLAccepts(modulus: ArraySlice<UInt8>, exponent: ArraySlice<UInt8>) -> Bool {
        (512 ... 16_384).contains(bits(modulus)) && modulus.last.map { $0 & 1 == 1 } == true
            && (2 ... 33).contains(bits(exponent)) && exponent.last.map { $0 & 1 == 1 } == true
    }

    private static func bits(_ magnitude: ArraySlice<UInt8>) -> Int {
        let significant = magnitude.drop { $0 == 0 }
        guard let first = significant.first else { return 0 }
        return (significant.count - 1) * 8 + (8 - first.leadingZeroBitCount)
    }

    private static func children(_ node: ASN1Node) -> [ASN1Node] {
        if case .constructed(let nodes) = node.content { Array(nodes) } else { [] }
    }
}
