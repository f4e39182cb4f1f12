import PropertyBased
import Protocols
import Testing
import TestSupport

@Suite struct TCPStreamPropertyTests {
    /// A random stream, cut into random segments, each sent once in a random
    /// order with random duplicates and overlapping re-sends.
    struct Case: CustomStringConvertible {
        var isn: UInt32
        var stream: [UInt8]
        /// (offset, length) of each segment sent, in sending order.
        var sends: [(Int, Int)]
        var description: String { "isn \(isn), \(stream.count) bytes, sends \(sends)" }
    }

    @Test func anyOrderAndDuplicationReassemblesTheStream() {
        let cases = zip(
            Gen.uint32(), Gen.int(in: 0...4000), Gen.int(in: 1...600), Gen.uint64(), Gen.int(in: 0...8))
            .map { (t: (UInt32, Int, Int, UInt64, Int)) -> Case in
                let (isn, length, maxSegment, seed, extra) = t
                var rng = SplitMix64(seed: seed)
                let stream = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                var sends: [(Int, Int)] = []
                var offset = 0
                while offset < length {
                    let n = min(length - offset, 1 + Int(rng.next() % UInt64(maxSegment)))
                    sends.append((offset, n))
                    offset += n
                }
                // Duplicates and overlapping ranges of the same bytes.
                for _ in 0..<extra where length > 0 {
                    let start = Int(rng.next() % UInt64(length))
                    sends.append((start, 1 + Int(rng.next() % UInt64(length - start))))
                }
                for i in sends.indices.reversed() where i > 0 {
                    sends.swapAt(i, Int(rng.next() % UInt64(i + 1)))
                }
                return Case(isn: isn, stream: stream, sends: sends)
            }
        seededCheck(seed: (21, 22, 23, 24), count: 1500, cases) { c in
            var h = StreamHarness()
            h.send(.toServer, c.isn, flags: .syn)
            for (offset, length) in c.sends {
                h.send(.toServer, c.isn &+ 1 &+ UInt32(offset), Array(c.stream[offset ..< offset + length]))
            }
            h.send(.toServer, c.isn &+ 1 &+ UInt32(c.stream.count), "", flags: .fin)
            let expected: [Delivered] = c.stream.isEmpty ? [.end] : [.data(c.stream), .end]
            if h.stream() != expected { return "got \(h.stream().count) deliveries, \(h.reassembler.counters)" }
            if h.reassembler.bufferedBytes != 0 { return "bytes left buffered" }
            if h.reassembler.counters.overlapConflicts != 0 || h.reassembler.counters.gaps != 0 { return "\(h.reassembler.counters)" }
            return nil
        }
    }

    /// Random segments: random directions, sequence numbers, flags and sizes.
    @Test func randomSegmentsStayBounded() {
        var limits = TCPStreamReassembler.Limits()
        limits.maxBufferedBytes = 4096
        limits.maxBufferedPieces = 64
        let segment = zip(Gen.bool(), Gen.uint32(), Gen.uint8(), Gen.int(in: 0...1500), Gen.bool())
        let gen = zip(Gen.uint32(), segment.array(of: 1...60))
        seededCheck(seed: (31, 32, 33, 34), count: 3000, gen) { base, segments in
            var reassembler = TCPStreamReassembler(limits: limits)
            var delivered: [Direction: Int64] = [.toServer: 0, .toClient: 0]
            for (toServer, seq, flags, length, near) in segments {
                // Half the segments land near the base so reassembly really happens.
                let sequence = near ? base &+ (seq % 8192) : seq
                let payload = [UInt8](repeating: 0x61, count: length)
                payload.withUnsafeBytes { bytes in
                    reassembler.receive(TCPSegment(direction: toServer ? .toServer : .toClient, sequence: sequence,
                                                   flags: TCPSegment.Flags(rawValue: flags & 0x07), payload: bytes)) { d in
                        switch d.kind {
                        case .data(let b): delivered[d.direction, default: 0] += Int64(b.count)
                        case .gap(let n): delivered[d.direction, default: 0] += Int64(n)
                        case .end: break
                        }
                    }
                }
                if reassembler.bufferedBytes > 2 * (limits.maxBufferedBytes + 1500) { return "buffered \(reassembler.bufferedBytes)" }
            }
            reassembler.finish { _ in }
            if reassembler.bufferedBytes != 0 { return "buffers left after finish" }
            return nil
        }
    }
}
