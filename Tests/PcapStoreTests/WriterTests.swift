import Capture
import Dissection
import Formats
import Foundation
import PcapStore
import Testing

@Suite struct WriterTests {
    @Test func segmentReadsBackThroughLibpcapAndTshark() throws {
        let dir = try TemporaryDirectory()
        let writer = try PcapStoreWriter(root: dir.path)
        let packets = makePackets(count: 300, start: noonMarch10 + 123_456_789)
        let positions = try writer.append(packets)
        let flushed = try writer.flush()
        #expect(flushed.count == 1)
        let path = writer.path(of: try #require(positions.first).segment)
        #expect(flushed.first?.durableLength == fileSize(path))
        #expect(flushed.first?.isNew == true)

        let header = try fileBytes(path).prefix(24)
        #expect(Array(header.prefix(4)) == [0x4d, 0x3c, 0xb2, 0xa1])  // 0xa1b23c4d, little-endian

        let libpcap = try readWithLibpcap(path)
        #expect(libpcap.linkType == .ethernet)
        #expect(libpcap.packets == packets)

        if TShark.available {
            let tshark = try TShark.read(path)
            #expect(tshark.map(\.packet) == packets)
        }
    }

    @Test(.enabled(if: TShark.available, "tshark not installed"))
    func tsharkReadsEveryLinktypeSegment() throws {
        let dir = try TemporaryDirectory()
        let writer = try PcapStoreWriter(root: dir.path)
        let packets = makePackets(count: 20, start: noonMarch10, seed: 9)
        let positions = try writer.append(packets, linkType: .raw)
        try writer.close()
        let tshark = try TShark.read(writer.path(of: positions[0].segment))
        #expect(tshark.map(\.packet) == packets)
    }

    @Test func positionsReadBackExactly() throws {
        let dir = try TemporaryDirectory()
        let writer = try PcapStoreWriter(root: dir.path, configuration: .init(writeBufferBytes: 4096))
        let a = makePackets(count: 150, start: noonMarch10, seed: 2)
        let b = makePackets(count: 150, start: noonMarch10 + 500, seed: 3)
        var positions: [PacketPosition] = []
        var expected: [TestPacket] = []
        for (pa, pb) in zip(a, b) {
            positions += try writer.append([pa], capture: 1)
            positions += try writer.append([pb], sensor: sensorB, capture: 2, linkType: .raw)
            expected += [pa, pb]
        }
        _ = try writer.flush()
        #expect(Set(positions.map(\.segment)).count == 2)
        #expect(positions.allSatisfy { $0.length == UInt32(16 + $0.capturedLength) })
        let reader = PcapStoreReader(root: dir.path)
        for (position, packet) in zip(positions, expected) {
            let read = try reader.read(position)
            #expect(read.timestamp == packet.timestamp)
            #expect(read.wireLength == packet.wireLength)
            #expect(read.bytes == packet.bytes)
            #expect(read.linkType == position.segment.key.linkType)
        }
        // The first record follows the 24-byte file header; each next one follows its predecessor.
        let ofA = positions.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        #expect(ofA.first?.offset == 24)
        for (x, y) in zip(ofA, ofA.dropFirst()) { #expect(y.offset == x.offset + UInt64(x.length)) }
    }

    @Test func utcDayBoundaryCutsSegments() throws {
        let dir = try TemporaryDirectory()
        let writer = try PcapStoreWriter(root: dir.path)
        let midnight = UTCDay.start(of: UTCDay.of(nanoseconds: noonMarch10) + 1)  // 2024-03-11T00:00:00Z
        let times: [Int64] = [midnight - 2_000, midnight - 1, midnight, midnight + 1, midnight + 86_400_000_000_000]
        let packets = times.enumerated().map { TestPacket(timestamp: $0.element, wireLength: 60, bytes: [UInt8](repeating: UInt8($0.offset), count: 60)) }
        let positions = try writer.append(packets)
        try writer.close()
        let days = positions.map { UTCDay.string($0.segment.key.day) }
        #expect(days == ["2024-03-10", "2024-03-10", "2024-03-11", "2024-03-11", "2024-03-12"])
        let segments = PcapStoreInventory.segments(root: dir.path)
        #expect(segments.map { $0.id.relativePath } == [
            "6f1c2a3b-4d5e-4f60-8172-93a4b5c6d7e8/2024-03-10/1-1-000001.pcap",
            "6f1c2a3b-4d5e-4f60-8172-93a4b5c6d7e8/2024-03-11/1-1-000001.pcap",
            "6f1c2a3b-4d5e-4f60-8172-93a4b5c6d7e8/2024-03-12/1-1-000001.pcap",
        ])
        #expect(try readWithLibpcap(segments[0].path).packets == Array(packets[0..<2]))
        #expect(try readWithLibpcap(segments[1].path).packets == Array(packets[2..<4]))
        #expect(try readWithLibpcap(segments[2].path).packets == [packets[4]])
    }

    @Test func sizeCapRotatesSegments() throws {
        let dir = try TemporaryDirectory()
        let cap = UInt64(24 + 5 * (16 + 100))
        let writer = try PcapStoreWriter(root: dir.path, configuration: .init(maxSegmentBytes: cap))
        let packets = (0..<22).map { TestPacket(timestamp: noonMarch10 + Int64($0), wireLength: 100, bytes: [UInt8](repeating: UInt8($0), count: 100)) }
        var positions = try writer.append(packets)
        // A record larger than the cap still goes in: alone, in a fresh segment.
        let huge = TestPacket(timestamp: noonMarch10 + 100, wireLength: 2000, bytes: [UInt8](repeating: 0xee, count: 2000))
        positions += try writer.append([huge])
        let flushed = try writer.close()
        let sequences = positions.map(\.segment.sequence)
        #expect(sequences == [1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 5, 5, 6])
        let segments = PcapStoreInventory.segments(root: dir.path)
        #expect(segments.count == 6)
        let sizes = segments.map { fileSize($0.path) }
        #expect(sizes.dropLast().allSatisfy { ($0 ?? .max) <= cap })
        #expect(flushed.map(\.durableLength) == sizes)
        // Each segment's index: a header and one record per packet.
        #expect(flushed.map(\.durableIndexLength) == [5, 5, 5, 5, 2, 1].map { PacketIndexFormat.length(records: $0) })
        #expect(segments.map { fileSize($0.indexPath ?? "") } == flushed.map(\.durableIndexLength))
        var all: [TestPacket] = []
        for segment in segments { all += try readWithLibpcap(segment.path).packets }
        #expect(all == packets + [huge])
    }

    @Test func flushReportsOnlyChangedSegmentsWithDurableLengths() throws {
        let dir = try TemporaryDirectory()
        let writer = try PcapStoreWriter(root: dir.path)
        try writer.append(makePackets(count: 10, start: noonMarch10), capture: 1)
        try writer.append(makePackets(count: 10, start: noonMarch10), capture: 2)
        let first = try writer.flush()
        #expect(first.count == 2 && first.allSatisfy(\.isNew))
        for f in first { #expect(f.durableLength == fileSize(writer.path(of: f.segment))) }
        #expect(try writer.flush().isEmpty)
        try writer.append(makePackets(count: 3, start: noonMarch10 + 1_000_000_000), capture: 2)
        let second = try writer.flush()
        #expect(second.count == 1)
        #expect(second.first?.isNew == false)
        #expect(second.first?.segment.key.capture == 2)
        #expect(second.first.map { $0.durableLength == fileSize(writer.path(of: $0.segment)) } == true)
    }

    @Test func openFilesStayBounded() throws {
        let dir = try TemporaryDirectory()
        let writer = try PcapStoreWriter(root: dir.path, configuration: .init(maxOpenSegments: 3, writeBufferBytes: 1000))
        var expected: [UInt64: [TestPacket]] = [:]
        var positions: [PacketPosition] = []
        for round in 0..<20 {
            for capture in UInt64(1)...10 {
                let packet = makePackets(count: 1, start: noonMarch10 + Int64(round) * 1000, seed: capture * 100 + UInt64(round))[0]
                positions += try writer.append([packet], capture: capture)
                expected[capture, default: []].append(packet)
                #expect(writer.openFileCount <= 3)
            }
        }
        let flushed = try writer.flush()
        #expect(flushed.count == 10)
        #expect(writer.openFileCount <= 3)
        for f in flushed {
            #expect(f.segment.sequence == 1)  // eviction closes files; it never rotates them
            let path = writer.path(of: f.segment)
            #expect(f.durableLength == fileSize(path))
            #expect(try readWithLibpcap(path).packets == expected[f.segment.key.capture])
        }
        let reader = PcapStoreReader(root: dir.path)
        for position in positions { _ = try reader.read(position) }
    }

    @Test func restartedWriterStartsTheNextSequence() throws {
        let dir = try TemporaryDirectory()
        let first = try PcapStoreWriter(root: dir.path)
        let p1 = try first.append(makePackets(count: 5, start: noonMarch10))
        try first.close()
        let second = try PcapStoreWriter(root: dir.path)
        let p2 = try second.append(makePackets(count: 5, start: noonMarch10 + 10_000_000_000, seed: 5))
        try second.close()
        #expect(p1[0].segment.sequence == 1)
        #expect(p2[0].segment.sequence == 2)
        #expect(p2[0].offset == 24)
        #expect(try readWithLibpcap(first.path(of: p1[0].segment)).packets == makePackets(count: 5, start: noonMarch10))
    }

    @Test func appendRejectsWhatPcapCannotHold() throws {
        let dir = try TemporaryDirectory()
        let writer = try PcapStoreWriter(root: dir.path)
        let key = SegmentKey(sensor: sensorA, capture: 1, linkType: .ethernet, timestamp: noonMarch10)
        func code(_ body: () throws -> Void) -> PcapStoreError.Code? {
            do { try body(); return nil } catch let error as PcapStoreError { return error.code } catch { return nil }
        }
        #expect(code { try writer.append(key: key, timestamp: noonMarch10 + UTCDay.nanosecondsPerDay, frame: [1, 2, 3], entry: PacketIndexEntry(frameNumber: 1)) } == .dayMismatch)
        let before1970 = SegmentKey(sensor: sensorA, capture: 1, linkType: .ethernet, timestamp: -5)
        #expect(code { try writer.append(key: before1970, timestamp: -5, frame: [1], entry: PacketIndexEntry(frameNumber: 1)) } == .timestampOutOfRange)
        let after2106: Int64 = (Int64(UInt32.max) + 1) * 1_000_000_000
        let late = SegmentKey(sensor: sensorA, capture: 1, linkType: .ethernet, timestamp: after2106)
        #expect(code { try writer.append(key: late, timestamp: after2106, frame: [1], entry: PacketIndexEntry(frameNumber: 1)) } == .timestampOutOfRange)
        #expect(code { try writer.append(key: key, timestamp: noonMarch10, frame: [UInt8](repeating: 0, count: PcapStoreLimits.maxCapturedLength + 1), entry: PacketIndexEntry(frameNumber: 1)) } == .frameTooLarge)
        // Rejected appends do not poison the writer.
        try writer.append(key: key, timestamp: noonMarch10, frame: [1, 2, 3], entry: PacketIndexEntry(frameNumber: 1))
        #expect(try writer.flush().count == 1)
    }
}

/// stat size of a file (0 when missing).
func fileSize(_ path: String) -> UInt64 {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.uint64Value ?? 0
}
