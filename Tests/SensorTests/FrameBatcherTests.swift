import Foundation
import Sensor
import TestSupport
import Testing
import Wire

@Suite struct FrameBatcherTests {
    func frames(_ count: Int, size: (Int) -> Int = { _ in 60 }) -> [TestFrame] {
        (1 ... count).map { i in
            TestFrame(number: UInt64(i), timestamp: 1_700_000_000_000_000_000 + Int64(i) * 1_000,
                      bytes: Build.bytes(size(i), start: UInt8(truncatingIfNeeded: i)))
        }
    }

    func batch(_ o: FrameBatcher.Output) throws -> FrameBatch { try FrameBatch(o.envelope) }

    @Test func frameLimitCutsBatches() throws {
        var b = FrameBatcher(captureID: 9, lanes: 1, limits: .init(frames: 10, bytes: 1 << 20))
        var out: [FrameBatcher.Output] = []
        for f in frames(35) { out += b.append(f, lane: 0) }
        #expect(out.map { $0.envelope.header.itemCount } == [10, 10, 10])
        #expect(b.pendingFrames(lane: 0) == 5)
        out += b.flushAll()
        #expect(out.map { $0.envelope.header.itemCount } == [10, 10, 10, 5])
        #expect(out.map { $0.envelope.header.sequence } == [1, 2, 3, 4])
        #expect(b.flush(lane: 0) == nil, "nothing left, no empty batch")
        let numbers = try out.flatMap { try batch($0).map(\.number) }
        #expect(numbers == Array(1 ... 35))
        #expect(try out.allSatisfy { try batch($0).captureID == 9 })
    }

    @Test func byteLimitCutsBeforeCrossing() throws {
        let limit = 1_000
        var b = FrameBatcher(captureID: 1, lanes: 1, limits: .init(frames: 1_000, bytes: limit))
        var out: [FrameBatcher.Output] = []
        let input = frames(200) { i in (i * 37) % 300 }
        for f in input { out += b.append(f, lane: 0) }
        out += b.flushAll()
        for o in out {
            let bytes = o.envelope.payload[0].count
            #expect(bytes <= limit, "batch of \(bytes) bytes")
        }
        // One frame larger than the limit travels alone.
        var big = FrameBatcher(captureID: 1, lanes: 1, limits: .init(frames: 1_000, bytes: limit))
        #expect(big.append(TestFrame(number: 1, timestamp: 0, bytes: Build.bytes(10)), lane: 0).isEmpty)
        let cut = big.append(TestFrame(number: 2, timestamp: 0, bytes: Build.bytes(2_000)), lane: 0)
        #expect(cut.map { $0.envelope.header.itemCount } == [1, 1], "the open batch, then the big frame alone")
        let all = try out.flatMap { try batch($0).map { Array($0.bytes) } }
        #expect(all == input.map(\.bytes), "every byte, in order")
    }

    @Test func sequencesAreContiguousPerLaneAcrossTypes() throws {
        let lanes = 3
        var b = FrameBatcher(captureID: 5, lanes: lanes, limits: .init(frames: 4, bytes: 1 << 20))
        var out: [FrameBatcher.Output] = []
        for f in frames(100) {
            out += b.append(f, lane: Int(f.number % 7 == 0 ? 2 : f.number % 2))
            if f.number % 25 == 0 { out += b.watermark() }
        }
        out += b.finish()
        for lane in 0 ..< lanes {
            let mine = out.filter { $0.lane == lane }.map(\.envelope)
            #expect(mine.map(\.header.sequence) == Array(1 ... UInt64(mine.count)))
            #expect(Set(mine.map(\.header.producer)) == [b.producers[lane].id])
            #expect(mine.last?.type == EndOfCapture.type)
        }
        #expect(Set(b.producers.map(\.id)).count == lanes)

        // The next capture keeps counting on the same producers.
        let before = b.producers.map(\.nextSequence)
        var next = FrameBatcher(captureID: 6, lanes: lanes, producers: b.producers)
        let o = next.append(TestFrame(number: 1, timestamp: 0, bytes: [1]), lane: 1) + next.flushAll()
        #expect(o.map(\.envelope.header.sequence) == [before[1]])
        #expect(o.map(\.envelope.header.producer) == [b.producers[1].id])
    }

    @Test func watermarksAndEndReachEveryLane() throws {
        let lanes = 4
        var b = FrameBatcher(captureID: 77, lanes: lanes, limits: .init(frames: 1_000, bytes: 1 << 20))
        #expect(b.watermark().isEmpty, "no watermark before the first frame")
        var out: [FrameBatcher.Output] = []
        // Only lanes 0 and 1 get frames; timestamps go back and forth.
        let times: [Int64] = [100, 300, 200, 250, 50]
        for (i, t) in times.enumerated() {
            out += b.append(TestFrame(number: UInt64(i + 1), timestamp: t, bytes: [UInt8(i)]), lane: i % 2)
        }
        let marks = b.watermark()
        // Held frames go out first: a watermark promises nothing at or below it is held.
        #expect(marks.prefix(2).map(\.envelope.type) == [FrameBatch.type, FrameBatch.type])
        let wm = try marks.dropFirst(2).map { (lane: $0.lane, mark: try Watermark($0.envelope)) }
        #expect(wm.map(\.lane) == Array(0 ..< lanes))
        for m in wm {
            #expect(m.mark == Watermark(captureID: 77, throughFrame: 5, packetTime: 300))
        }
        for lane in 0 ..< lanes { #expect(b.pendingFrames(lane: lane) == 0) }

        out += b.append(TestFrame(number: 6, timestamp: 400, bytes: [6]), lane: 3)
        let end = b.finish()
        #expect(end.first?.lane == 3 && end.first?.envelope.type == FrameBatch.type)
        let ends = try end.dropFirst().map { (lane: $0.lane, end: try EndOfCapture($0.envelope)) }
        #expect(ends.map(\.lane) == Array(0 ..< lanes))
        for e in ends {
            #expect(e.end.captureID == 77 && e.end.frameCount == 6 && e.end.outcome == .complete)
        }
        let failed = FrameBatcher(captureID: 3, lanes: 2)
        var f = failed
        let fo = try f.finish(frameCount: 10, outcome: .failed, reason: "cut").map { try EndOfCapture($0.envelope) }
        #expect(fo == Array(repeating: EndOfCapture(captureID: 3, frameCount: 10, outcome: .failed, reason: "cut"), count: 2))
    }

    @Test func framesAreCopied() throws {
        var b = FrameBatcher(captureID: 1, lanes: 1)
        var bytes: [UInt8] = [1, 2, 3, 4]
        _ = bytes.withUnsafeBytes { b.append(number: 1, timestamp: 9, wireLength: 64, linkType: .raw, bytes: $0, lane: 0) }
        bytes[0] = 99   // the reader reuses its buffer
        let out = b.flushAll()
        let frame = try #require(try FrameBatch(out[0].envelope).first)
        #expect(Array(frame.bytes) == [1, 2, 3, 4])
        #expect(frame.wireLength == 64 && frame.linkType == .raw && frame.timestamp == 9 && frame.number == 1)
    }
}
