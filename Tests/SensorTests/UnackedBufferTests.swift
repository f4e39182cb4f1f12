import Foundation
import Sensor
import Testing
import Wire

@Suite struct UnackedBufferTests {
    /// `count` batches of `frames` one-byte frames each, stamped by `producer`.
    func sent(_ count: Int, _ producer: inout Producer, frames: Int = 1) -> [Envelope] {
        (0 ..< count).map { i in
            var batch = FrameBatch(captureID: 1)
            for f in 0 ..< frames {
                batch.append(number: UInt64(i * frames + f + 1), timestamp: 0, wireLength: 1, linkType: .ethernet, bytes: [UInt8(f)])
            }
            return producer.envelope(batch)
        }
    }

    @Test func acksReleaseAndResendIsInOrder() {
        var p0 = Producer(), p1 = Producer()
        var buffer = UnackedBuffer(producers: [p0.id, p1.id])
        let lane0 = sent(10, &p0), lane1 = sent(4, &p1)
        for e in lane0 { buffer.record(e, lane: 0) }
        for e in lane1 { buffer.record(e, lane: 1) }
        #expect(buffer.count(lane: 0) == 10 && buffer.count(lane: 1) == 4)

        // Acks in any order and shape: a prefix, then a hole in the middle.
        #expect(buffer.acknowledge(Ack(producer: p0.id, through: 3)) == (0, 3))
        #expect(buffer.acknowledge(Ack(producer: p0.id, ranges: [6 ... 7, 9 ... 9])) == (0, 3))
        #expect(buffer.acknowledge(Ack(producer: p0.id, ranges: [1 ... 2])) == (0, 0), "already released")
        #expect(buffer.resend(lane: 0).map(\.header.sequence) == [4, 5, 8, 10])
        #expect(buffer.resend(lane: 0) == [lane0[3], lane0[4], lane0[7], lane0[9]], "unchanged bytes")
        #expect(buffer.oldestSequence(lane: 0) == 4)
        #expect(buffer.resend(lane: 1) == lane1, "the other lane is untouched")

        #expect(buffer.acknowledge(Ack(producer: UUID(), through: 100)) == (nil, 0))
        #expect(buffer.unknownProducerAcks == 1)
        #expect(buffer.acknowledge(Ack(producer: p0.id, through: 1_000)) == (0, 4))
        #expect(buffer.count(lane: 0) == 0 && buffer.bytes(lane: 0) == 0 && buffer.resend(lane: 0).isEmpty)
        #expect(buffer.counters(lane: 0).acknowledged == 10 && buffer.counters(lane: 0).kept == 10)
        #expect(buffer.oldestSequence(lane: 0) == nil)

        // A re-send is recorded once; an acknowledged one not again.
        for e in buffer.resend(lane: 1) { buffer.record(e, lane: 1) }
        #expect(buffer.count(lane: 1) == 4)
        buffer.record(lane0[0], lane: 0)
        #expect(buffer.count(lane: 0) == 0)
    }

    @Test func byteLimitEvictsTheOldest() {
        var p = Producer()
        let envelopes = sent(4, &p, frames: 100)
        let size = UnackedBuffer.size(of: envelopes[0])
        #expect(size == 9 + 32 + 8 + 100 * 29)
        var buffer = UnackedBuffer(producers: [p.id], limits: .init(envelopes: 1_000, bytes: size * 2 + 1))
        for e in envelopes { buffer.record(e, lane: 0) }
        #expect(buffer.resend(lane: 0) == Array(envelopes[2...]))
        #expect(buffer.bytes(lane: 0) == 2 * size)
        #expect(buffer.counters(lane: 0).evicted == 2)
    }

    @Test func countLimitEvictsTheOldestAndCounts() {
        var p = Producer()
        var buffer = UnackedBuffer(producers: [p.id], limits: .init(envelopes: 3, bytes: 1 << 30))
        let envelopes = sent(200, &p, frames: 2)
        for e in envelopes { buffer.record(e, lane: 0) }
        // The newest three stay.
        #expect(buffer.resend(lane: 0) == Array(envelopes[197...]))
        let c = buffer.counters(lane: 0)
        #expect(c.evicted == 197 && c.evictedItems == 394 && c.kept == 200)
        #expect(buffer.bytes(lane: 0) == envelopes[197...].reduce(0) { $0 + UnackedBuffer.size(of: $1) })
        buffer.acknowledge(Ack(producer: p.id, ranges: [198 ... 199]))
        #expect(buffer.resend(lane: 0).map(\.header.sequence) == [200])
    }
}
