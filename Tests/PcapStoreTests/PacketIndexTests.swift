import Dissection
import Foundation
import PcapStore
import Testing

@Suite struct PacketIndexTests {
    @Test func everyEntryReadsBackAsWrittenWithTheWritersTimeLengthsAndOffset() throws {
        let dir = try TemporaryDirectory()
        let writer = try PcapStoreWriter(root: dir.path)
        let packets = makePackets(count: 300, start: noonMarch10, seed: 31)
        let positions = try writer.append(packets, firstFrame: 1_000)
        let flushed = try writer.flush()
        let segment = positions[0].segment
        #expect(flushed.first?.durableIndexLength == PacketIndexFormat.length(records: 300))
        #expect(positions.map(\.indexRecord) == Array(0..<300))

        let entries = try PacketIndexReader(root: dir.path).entries(of: segment, records: 0..<300)
        var expected: [PacketIndexEntry] = []
        for (i, packet) in packets.enumerated() {
            var entry = testEntry(frame: 1_000 + UInt64(i))
            entry.timestamp = packet.timestamp
            entry.offset = positions[i].offset
            entry.capturedLength = UInt32(packet.bytes.count)
            entry.wireLength = UInt32(packet.wireLength)
            expected.append(entry)
        }
        #expect(entries == expected)
        // Offsets and lengths above 16 bits survive (frames go up to 262,144 bytes).
        #expect(entries.contains { $0.layers.l5Offset > 65_535 && $0.layers.l5Length > 65_535 })
        #expect(entries.contains { $0.flowKey == nil } && entries.contains { $0.sourcePort == nil })
        #expect(entries.contains { $0.vlans.count == 4 })
        #expect(entries.contains { $0.source?.isIPv6 == true } && entries.contains { $0.source?.isIPv6 == false }
                && entries.contains { $0.source == nil } && entries.contains { $0.destination == nil })
        // A run in the middle, and the record each position names.
        let middle = try PacketIndexReader(root: dir.path).entries(of: segment, records: 120..<123)
        #expect(middle == Array(expected[120..<123]))
        let reader = PcapStoreReader(root: dir.path)
        for i in [0, 150, 299] {
            #expect(try reader.read(positions[i]).bytes == packets[i].bytes)
            #expect(entries[Int(positions[i].indexRecord)].frameNumber == 1_000 + UInt64(i))
        }
    }

    @Test func scansPastOneChunk() throws {
        let dir = try TemporaryDirectory()
        let writer = try PcapStoreWriter(root: dir.path)
        let count = PacketIndexReader.chunkRecords + 7
        let key = SegmentKey(sensor: sensorA, capture: 1, linkType: .raw, timestamp: noonMarch10)
        for i in 0..<count {
            try writer.append(key: key, timestamp: noonMarch10 + Int64(i), frame: [0x45], entry: PacketIndexEntry(frameNumber: UInt64(i + 1)))
        }
        try writer.close()
        var frames: [UInt64] = []
        var numbers: [UInt64] = []
        try PacketIndexReader(root: dir.path).scan(SegmentID(key: key, sequence: 1), records: 5..<UInt64(count)) {
            numbers.append($0)
            frames.append($1.frameNumber)
        }
        #expect(numbers == Array(5..<UInt64(count)))
        #expect(frames == Array(6...UInt64(count)))
    }

    @Test func aDamagedIndexIsATypedErrorNeverATrap() throws {
        let dir = try TemporaryDirectory()
        let writer = try PcapStoreWriter(root: dir.path)
        let segment = try writer.append(makePackets(count: 4, start: noonMarch10))[0].segment
        try writer.close()
        let path = dir.path + "/" + segment.indexRelativePath
        let reader = PacketIndexReader(root: dir.path)
        #expect(storeErrorCode { _ = try reader.entries(of: segment, records: 0..<5) } == .positionOutOfBounds)
        // The same file named as another linktype's index.
        var other = segment
        other.key.linkType = .raw
        try FileManager.default.copyItem(atPath: path, toPath: dir.path + "/" + other.indexRelativePath)
        #expect(storeErrorCode { _ = try reader.entries(of: other, records: 0..<1) } == .badFileHeader)
        #expect(storeErrorCode { _ = try reader.entries(of: SegmentID(key: segment.key, sequence: 9), records: 0..<1) } == .segmentMissing)
        // Reserved bits in record 2, an impossible address family in record 3.
        let record2 = UInt64(PacketIndexFormat.headerLength + 2 * PacketIndexFormat.recordLength)
        try overwrite([0xff], at: record2 + 87, in: path)
        #expect(try reader.entries(of: segment, records: 0..<2).count == 2)
        #expect(storeErrorCode { _ = try reader.entries(of: segment, records: 0..<3) } == .corruptRecordHeader)
        try overwrite([5], at: record2 + UInt64(PacketIndexFormat.recordLength) + 85, in: path)
        #expect(storeErrorCode { _ = try reader.entries(of: segment, records: 3..<4) } == .corruptRecordHeader)
        // Not an index at all.
        try overwrite(Array("XXXX".utf8), at: 0, in: path)
        #expect(storeErrorCode { _ = try reader.entries(of: segment, records: 0..<1) } == .badFileHeader)
    }

    @Test func aSequenceIsTakenWhenOnlyItsIndexExists() throws {
        let dir = try TemporaryDirectory()
        let key = SegmentKey(sensor: sensorA, capture: 3, linkType: .ethernet, timestamp: noonMarch10)
        let day = dir.path + "/" + SegmentID(key: key, sequence: 1).directory
        try FileManager.default.createDirectory(atPath: day, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: dir.path + "/" + SegmentID(key: key, sequence: 1).indexRelativePath,
                                           contents: Data([1]))
        let writer = try PcapStoreWriter(root: dir.path)
        let position = try writer.append(key: key, timestamp: noonMarch10, frame: [1, 2], entry: PacketIndexEntry(frameNumber: 1))
        #expect(position.segment.sequence == 2)
    }
}
