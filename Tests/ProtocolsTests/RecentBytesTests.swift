import Testing
import TestSupport
@testable import Protocols

/// `RecentBytes` against the plain array it replaced: the same bytes held
/// after any run of appends and clears, and the same answers to comparisons.
@Suite struct RecentBytesTests {
    /// The array model: what `TCPStreamReassembler` kept before the ring.
    struct Model {
        let limit: Int
        var bytes: [UInt8] = []

        mutating func append(_ slice: [UInt8]) {
            guard limit > 0 else { return }
            if slice.count >= limit {
                bytes = Array(slice.suffix(limit))
                return
            }
            bytes += slice
            if bytes.count > 2 * limit { bytes.removeFirst(bytes.count - limit) }
        }
    }

    @Test(arguments: [0, 1, 7, 64])
    func heldBytesMatchTheArrayModel(limit: Int) {
        var rng = SplitMix64(seed: UInt64(limit) &+ 99)
        for _ in 0..<200 {
            var ring = RecentBytes(limit: limit)
            var model = Model(limit: limit)
            for _ in 0..<60 {
                switch rng.next() % 10 {
                case 0:
                    ring.removeAll()
                    model.bytes.removeAll()
                case 1:
                    ring.release()
                    model.bytes.removeAll()
                default:
                    let count = Int(rng.next() % UInt64(3 * limit + 2))
                    let slice = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                    slice.withUnsafeBytes { ring.append($0) }
                    model.append(slice)
                }
                #expect(ring.count == model.bytes.count)
                guard ring.count == model.bytes.count else { return }
                // Every held range compares equal; a changed byte makes it differ.
                for _ in 0..<4 where !model.bytes.isEmpty {
                    let start = Int(rng.next() % UInt64(model.bytes.count))
                    let end = start + 1 + Int(rng.next() % UInt64(model.bytes.count - start))
                    var probe = Array(model.bytes[start ..< end])
                    #expect(probe.withUnsafeBytes { ring.matches($0, at: start) })
                    let flip = Int(rng.next() % UInt64(probe.count))
                    probe[flip] ^= 0x5a
                    #expect(!probe.withUnsafeBytes { ring.matches($0, at: start) })
                }
            }
        }
    }
}
