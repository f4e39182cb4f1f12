import Foundation

/// Certificates already parsed, by their DER. Servers send the same chain on
/// every full handshake, and parsing one (swift-certificates and two digests)
/// costs tens of microseconds; what NetSift keeps of it depends on the DER
/// alone. Shared by every session of the process, bounded to `capacity`
/// entries in two generations: a hit in the older one moves to the newer one,
/// and when the newer one is full the older one is dropped.
final class TLSCertificateCache: @unchecked Sendable {
    static let shared = TLSCertificateCache(capacity: 1024)

    private let lock = NSLock()
    private let generationSize: Int
    private var current: [Key: TLSCertificateInfo] = [:]
    private var previous: [Key: TLSCertificateInfo] = [:]

    init(capacity: Int) {
        generationSize = max(1, capacity / 2)
    }

    func info(der: [UInt8]) -> TLSCertificateInfo {
        let key = Key(der: der)
        if let known = lookUp(key) { return known }
        let info = TLSCertificateInfo(der: der)
        lock.withLock { insert(key, info) }
        return info
    }

    private func lookUp(_ key: Key) -> TLSCertificateInfo? {
        lock.withLock {
            if let known = current[key] { return known }
            guard let known = previous.removeValue(forKey: key) else { return nil }
            insert(key, known)
            return known
        }
    }

    private func insert(_ key: Key, _ info: TLSCertificateInfo) {
        if current.count >= generationSize {
            previous = current
            current = [:]
        }
        current[key] = info
    }

    /// Compared whole, hashed by its length and ends: the serial number is
    /// near the start and the signature at the end, so that is enough to tell
    /// certificates apart, at a fraction of the cost of hashing all of it.
    private struct Key: Hashable {
        let der: [UInt8]

        func hash(into hasher: inout Hasher) {
            hasher.combine(der.count)
            der.withUnsafeBytes { bytes in
                let ends = min(bytes.count, 64)
                hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: bytes[..<ends]))
                hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: bytes[(bytes.count - ends)...]))
            }
        }

        static func == (a: Key, b: Key) -> Bool {
            a.der.count == b.der.count && a.der.withUnsafeBytes { a in
                b.der.withUnsafeBytes { b in
                    guard let x = a.baseAddress, let y = b.baseAddress else { return true }
                    return memcmp(x, y, a.count) == 0
                }
            }
        }
    }
}
