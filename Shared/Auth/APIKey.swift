import Crypto
import Foundation

/// An API key: 256 random bits, shown once as 64 lowercase hex digits.
/// Only its SHA-256 is stored.
public struct APIKey: Hashable, Sendable, CustomStringConvertible {
    public let text: String

    /// A new key from the system's cryptographic generator.
    public static func generate() -> APIKey {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0 ..< 32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return APIKey(checked: hex(bytes))
    }

    /// A key as a client presents it; nil unless 64 hex digits.
    public init?(_ text: some StringProtocol) {
        let lower = text.lowercased()
        guard lower.utf8.count == 64, lower.utf8.allSatisfy({ (48 ... 57).contains($0) || (97 ... 102).contains($0) }) else {
            return nil
        }
        self.init(checked: lower)
    }

    private init(checked text: String) { self.text = text }

    /// SHA-256 of the key's text: what the database keeps.
    public var hash: [UInt8] { Array(SHA256.hash(data: Data(text.utf8))) }

    /// `hash` as 64 lowercase hex digits (what the gateway asks search about).
    public var hashHex: String { hex(hash) }

    /// Never print a key by accident.
    public var description: String { "APIKey(…\(text.suffix(4)))" }
}

/// Lowercase hex digits of `bytes`.
public func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count * 2)
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: out, as: UTF8.self)
}

/// Equality of two byte strings in time that depends on their length only.
public func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for index in a.indices { difference |= a[index] ^ b[index] }
    return difference == 0
}
