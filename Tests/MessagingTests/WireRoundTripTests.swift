import Dissection
import Foundation
import Testing
import Wire

@Suite struct WireRoundTripTests {
    @Test(arguments: Samples.messages)
    func roundTrip(message: Message) throws {
        let envelope = message.envelope(producer: Samples.producer, sequence: 77)
        let decoded = try Envelope(frames: envelope.frames)
        #expect(decoded == envelope)
        #expect(decoded.header.producer == Samples.producer)
        #expect(decoded.header.sequence == 77)
        #expect(try Message(decoded) == message)
    }

    @Test func headerLayout() throws {
        let header = MessageHeader(producer: Samples.producer, sequence: 0x0102_0304_0506_0708, itemCount: 0x0A0B_0C0D)
        let bytes = header.encode()
        #expect(bytes.count == 32)
        #expect(bytes[0] == 1)
        #expect(bytes[1 ..< 4] == [0, 0, 0])
        #expect(bytes[4 ..< 20].elementsEqual(withUnsafeBytes(of: Samples.producer.uuid) { Array($0) }))
        #expect(bytes[4] == 0x0F && bytes[19] == 0xF0)
        #expect(Array(bytes[20 ..< 28]) == [8, 7, 6, 5, 4, 3, 2, 1])
        #expect(Array(bytes[28 ..< 32]) == [0x0D, 0x0C, 0x0B, 0x0A])
        #expect(try MessageHeader(decoding: bytes) == header)
    }

    @Test func frameBatchLayoutAndAccess() throws {
        let batch = Samples.frameBatch
        let payload = batch.encodePayload()
        #expect(payload.count == 8 + 3 * 28 + 60 + 10)
        #expect(Array(payload[0 ..< 8]) == [42, 0, 0, 0, 0, 0, 0, 0])
        // First record: number 1, captured 60, wire 60, linktype 1.
        #expect(Array(payload[8 ..< 16]) == [1, 0, 0, 0, 0, 0, 0, 0])
        #expect(Array(payload[24 ..< 36]) == [60, 0, 0, 0, 60, 0, 0, 0, 1, 0, 0, 0])
        #expect(Array(payload[36 ..< 96]) == Array(0 ..< 60))

        let decoded = try FrameBatch(batch.envelope(producer: Samples.producer, sequence: 1))
        #expect(decoded.count == 3)
        #expect(decoded.captureID == 42)
        #expect(decoded.map(\.number) == [1, 2, 3])
        #expect(decoded.map(\.timestamp) == [1_700_000_000_123_456_789, -1, .max])
        #expect(decoded.map(\.capturedLength) == [60, 10, 0])
        #expect(decoded.map(\.wireLength) == [60, 1514, 0])
        #expect(decoded.map(\.linkType) == [.ethernet, .raw, LinkType(rawValue: .max)])
        #expect(Array(decoded[0].bytes) == Array(0 ..< 60))
        #expect(decoded[1].bytes.allSatisfy { $0 == 0xAB })
    }

    /// The decoder gathers the sensor's batches into one: joined whole,
    /// they are the batch made frame by frame, before and after the wire.
    @Test func batchesJoinAsIfAppendedFrameByFrame() throws {
        let first = Samples.frameBatch
        var second = FrameBatch(captureID: 42)
        second.append(number: 9, timestamp: 5, wireLength: 70, linkType: .ethernet, bytes: [UInt8](repeating: 7, count: 33))
        second.append(number: 10, timestamp: 6, wireLength: 1, linkType: .raw, bytes: [UInt8]([1]))
        let received = try FrameBatch(second.envelope(producer: Samples.producer, sequence: 2))
        var joined = first
        joined.append(contentsOf: received)
        var byFrame = FrameBatch(captureID: 42)
        for frame in Array(first) + Array(second) {
            byFrame.append(number: frame.number, timestamp: frame.timestamp, wireLength: frame.wireLength,
                           linkType: frame.linkType, bytes: frame.bytes)
        }
        #expect(joined.count == 5 && Array(joined) == Array(byFrame))
        #expect(joined.encodePayload() == byFrame.encodePayload())
        let decoded = try FrameBatch(joined.envelope(producer: Samples.producer, sequence: 3))
        #expect(Array(decoded) == Array(byFrame))
    }

    @Test func encodersClampInsteadOfTrapping() throws {
        var batch = FrameBatch(captureID: .max)
        batch.append(number: .max, timestamp: .min, wireLength: Int.max, linkType: .ethernet, bytes: [1, 2, 3])
        batch.append(number: 0, timestamp: 0, wireLength: -5, linkType: .ethernet, bytes: [UInt8]())
        let decoded = try FrameBatch(batch.envelope(producer: Samples.producer, sequence: .max))
        #expect(decoded[0].wireLength == Int(UInt32.max))
        #expect(decoded[1].wireLength == 0)
        #expect(decoded[0].number == .max && decoded[0].timestamp == .min)
    }

    @Test func ackNormalisesRanges() {
        let ack = Ack(producer: Samples.producer, ranges: [5 ... 6, 1 ... 2, 3 ... 3, 10 ... 12, 11 ... 20, 0 ... 0])
        #expect(ack.ranges == [0 ... 3, 5 ... 6, 10 ... 20])
        #expect(ack.contains(3) && !ack.contains(4) && !ack.contains(7) && ack.contains(20))
        #expect(Ack(producer: Samples.producer, through: 0).ranges.isEmpty)
        #expect(Ack(producer: Samples.producer, through: 9).ranges == [1 ... 9])
        #expect(Ack(producer: Samples.producer, ranges: [.max ... .max, 3 ... .max]).ranges == [3 ... .max])
    }

    @Test func endReasonIsCutAtACharacterBoundary() throws {
        let long = String(repeating: "é", count: 3_000)  // 6000 UTF-8 bytes
        let end = EndOfCapture(captureID: 1, frameCount: 2, outcome: .failed, reason: long)
        #expect(end.reason.utf8.count == WireLimits.default.reasonLength)
        #expect(try EndOfCapture(end.envelope(producer: Samples.producer, sequence: 1)) == end)
    }

    @Test func producerNumbersFromOne() throws {
        var producer = Producer()
        let a = producer.envelope(Samples.watermark)
        let b = producer.envelope(Samples.end)
        #expect(a.header.sequence == 1 && b.header.sequence == 2)
        #expect(a.header.producer == producer.id && producer.nextSequence == 3)
        #expect(a.header.itemCount == 1)
    }

    @Test func typeNames() {
        #expect(Message.types.map(\.name) == ["frames.v1", "watermark.v1", "end.v1", "ack.v1", "records.v1", "control.v1", "query.v1", "read.v1"])
        #expect(MessageType("records.v1") != nil)
        #expect(MessageType("Frames.v1") == nil)
        #expect(MessageType("") == nil)
        #expect(MessageType("a b") == nil)
        #expect(MessageType(String(repeating: "a", count: 65)) == nil)
    }
}
