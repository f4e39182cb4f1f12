import Dissection
import Foundation
import PcapStore
import Testing

func export(_ reader: PcapStoreReader, _ positions: [PacketPosition], format: PcapStoreReader.ExportFormat = .automatic,
            to path: String) throws -> PcapStoreReader.ExportSummary {
    var out: [UInt8] = []
    var chunks = 0
    let summary = try reader.export(positions, format: format) { chunk in
        out.append(contentsOf: chunk)
        chunks += 1
    }
    #expect(summary.bytes == UInt64(out.count))
    _ = FileManager.default.createFile(atPath: path, contents: Data(out))
    return summary
}

@Suite struct ReaderTests {
    @Test func positionsAreCheckedBeforeBytesAreTrusted() throws {
        let dir = try TemporaryDirectory()
        let writer = try PcapStoreWriter(root: dir.path)
        let positions = try writer.append(makePackets(count: 10, start: noonMarch10, seed: 21))
        try writer.close()
        let reader = PcapStoreReader(root: dir.path)
        let last = try #require(positions.last)

        var beyond = last
        beyond.offset += 1_000_000
        #expect(storeErrorCode { _ = try reader.read(beyond) } == .positionOutOfBounds)
        var inHeader = positions[0]
        inHeader.offset = 4
        #expect(storeErrorCode { _ = try reader.read(inHeader) } == .positionOutOfBounds)
        var wrongLength = positions[0]
        wrongLength.length -= 1
        #expect(storeErrorCode { _ = try reader.read(wrongLength) } == .recordMismatch)
        var tiny = positions[0]
        tiny.length = 3
        #expect(storeErrorCode { _ = try reader.read(tiny) } == .badPosition)
        var huge = positions[0]
        huge.length = UInt32.max
        #expect(storeErrorCode { _ = try reader.read(huge) } == .badPosition)
        var shifted = positions[1]
        shifted.offset += 1  // lands inside a record: the "header" there is frame bytes
        #expect(storeErrorCode { _ = try reader.read(shifted) } != nil)
        let gone = PacketPosition(segment: SegmentID(key: last.segment.key, sequence: 9), offset: 24, length: 20)
        #expect(storeErrorCode { _ = try reader.read(gone) } == .segmentMissing)
        var otherLinktype = last
        otherLinktype.segment.key.linkType = .raw
        let renamed = dir.path + "/" + otherLinktype.segment.relativePath
        try FileManager.default.copyItem(atPath: writer.path(of: last.segment), toPath: renamed)
        #expect(storeErrorCode { _ = try reader.read(otherLinktype) } == .badFileHeader)
    }

    @Test func exportOfOneLinktypeIsPcapAndCoalescesAdjacentRecords() throws {
        let dir = try TemporaryDirectory()
        let writer = try PcapStoreWriter(root: dir.path)
        let packets = makePackets(count: 200, start: noonMarch10, seed: 22)
        let positions = try writer.append(packets)
        try writer.close()
        let reader = PcapStoreReader(root: dir.path)

        let whole = dir.sub("whole.pcap")
        let summary = try export(reader, positions, to: whole)
        #expect(!summary.isPcapng && summary.packets == 200)
        #expect(summary.reads == 1)  // one run, one pread
        // Every record, in order: the export is the segment itself.
        #expect(try fileBytes(whole) == fileBytes(writer.path(of: positions[0].segment)))

        let picked = [0, 1, 2, 50, 51, 120, 199].map { positions[$0] }
        let some = dir.sub("some.pcap")
        let pickedSummary = try export(reader, picked, to: some)
        #expect(pickedSummary.reads == 4)
        #expect(try readWithLibpcap(some).packets == [0, 1, 2, 50, 51, 120, 199].map { packets[$0] })
        if TShark.available {
            #expect(try TShark.read(some).map(\.packet) == [0, 1, 2, 50, 51, 120, 199].map { packets[$0] })
        }

        let forced = dir.sub("forced.pcapng")
        let forcedSummary = try export(reader, picked, format: .pcapng, to: forced)
        #expect(forcedSummary.isPcapng)
        #expect(try readWithLibpcap(forced).packets == [0, 1, 2, 50, 51, 120, 199].map { packets[$0] })
    }

    @Test func exportAcrossTwoLinktypesIsPcapngInTimestampOrder() throws {
        let dir = try TemporaryDirectory()
        let writer = try PcapStoreWriter(root: dir.path)
        let ethernet = makePackets(count: 60, start: noonMarch10, step: 2_000, seed: 31)
        let raw = makePackets(count: 60, start: noonMarch10 + 1_000, step: 2_000, seed: 32)
        let pe = try writer.append(ethernet, capture: 1, linkType: .ethernet)
        let pr = try writer.append(raw, sensor: sensorB, capture: 2, linkType: .raw)
        try writer.close()

        // Storage hands positions in packet-time order: the two interleave.
        var merged: [(Int64, PacketPosition, TestPacket, Int)] = []
        for i in 0..<60 {
            merged.append((ethernet[i].timestamp, pe[i], ethernet[i], 0))
            merged.append((raw[i].timestamp, pr[i], raw[i], 1))
        }
        merged.sort { $0.0 < $1.0 }
        let reader = PcapStoreReader(root: dir.path)
        let path = dir.sub("mixed.pcapng")
        let summary = try export(reader, merged.map(\.1), to: path)
        #expect(summary.isPcapng && summary.packets == 120)

        let parsed = try ParsedPcapng(try fileBytes(path))
        #expect(parsed.interfaces.map(\.linkType) == [1, 101])
        #expect(parsed.interfaces.allSatisfy { $0.tsresol == 9 })
        #expect(parsed.packets.map(\.packet) == merged.map(\.2))
        #expect(parsed.packets.map(\.interface) == merged.map(\.3))

        if TShark.available {
            let tshark = try TShark.read(path)
            #expect(tshark.map(\.packet) == merged.map(\.2))
            #expect(tshark.map(\.interface) == merged.map(\.3))
            let times = tshark.map(\.packet.timestamp)
            #expect(times == times.sorted())
        }
        // libpcap (1.10) refuses a pcapng whose interfaces differ in linktype
        // ("an interface has a type 101 different from the type of the first
        // interface"), so the cross-linktype check is tshark's and ours.
    }

    @Test func exportStreamsLargeSelectionsInBoundedChunks() throws {
        let dir = try TemporaryDirectory()
        let writer = try PcapStoreWriter(root: dir.path)
        let packets = makePackets(count: 9_000, start: noonMarch10, step: 10, seed: 41)
        let positions = try writer.append(packets)
        try writer.close()
        let reader = PcapStoreReader(root: dir.path)
        var largest = 0
        var total = 0
        let summary = try reader.export(positions) { chunk in
            largest = max(largest, chunk.count)
            total += chunk.count
        }
        #expect(summary.reads > 1)  // runs are capped at maxExportRunBytes
        #expect(largest <= PcapStoreLimits.exportChunkBytes + PcapStoreLimits.maxExportRunBytes)
        #expect(UInt64(total) == fileSize(writer.path(of: positions[0].segment)))
    }
}

@Suite struct FrameReadTests {
    @Test func recordsAppendAsStoredInOrderWithOnlyBadOnesLeftOut() throws {
        let dir = try TemporaryDirectory()
        let writer = try PcapStoreWriter(root: dir.path)
        let packets = makePackets(count: 40, start: noonMarch10, seed: 5)
        var positions = try writer.append(packets)
        try writer.close()
        let stored = try fileBytes(writer.path(of: positions[0].segment))
        var expected: [UInt8] = [0xEE]
        for (index, position) in positions.enumerated() where index != 7 {
            expected += stored[Int(position.offset) ..< Int(position.offset) + Int(position.length)]
        }
        var broken = positions[7]
        broken.length -= 1
        positions[7] = broken
        var out: [UInt8] = [0xEE]
        var failed: [(index: Int, code: PcapStoreError.Code)] = []
        PcapStoreReader(root: dir.path).appendRecords(positions, to: &out) { failed.append(($0, $1.code)) }
        #expect(failed.map(\.index) == [7] && failed.first?.code == .recordMismatch)
        #expect(out == expected, "the records as the segment holds them, after what was there")

        var impossible = positions[3]
        impossible.length = .max
        var none: [UInt8] = []
        var refused: [Int] = []
        PcapStoreReader(root: dir.path).appendRecords([impossible], to: &none) { index, _ in refused.append(index) }
        #expect(refused == [0] && none.isEmpty, "an impossible length is refused before anything is allocated")
    }

    @Test func encoderWritesPcapForOneLinkTypeAndPcapngForSeveral() throws {
        let dir = try TemporaryDirectory()
        let packets = makePackets(count: 12, start: noonMarch10, seed: 9)
        var single = CaptureFileEncoder(linkTypes: [.ethernet])
        var bytes = single.take()
        for packet in packets {
            let appended = single.append(linkType: .ethernet, timestamp: packet.timestamp,
                                         wireLength: packet.wireLength, frame: packet.bytes)
            #expect(appended)
            bytes += single.take()
        }
        let other = single.append(linkType: .raw, timestamp: 1, wireLength: 1, frame: [0x45])
        #expect(!other, "a pcap has one link type")
        FileManager.default.createFile(atPath: dir.sub("one.pcap"), contents: Data(bytes))
        let back = try readWithLibpcap(dir.sub("one.pcap"))
        #expect(back.linkType == .ethernet && back.packets == packets)

        var mixed = CaptureFileEncoder(linkTypes: [.ethernet, .raw])
        #expect(mixed.isPcapng)
        for (index, packet) in packets.enumerated() {
            mixed.append(linkType: index % 2 == 0 ? .ethernet : .raw, timestamp: packet.timestamp,
                         wireLength: packet.wireLength, frame: packet.bytes)
        }
        FileManager.default.createFile(atPath: dir.sub("mixed.pcapng"), contents: Data(mixed.take()))
        if TShark.available {
            let read = try TShark.read(dir.sub("mixed.pcapng"))
            #expect(read.map(\.packet) == packets)
            #expect(read.map(\.interface) == packets.indices.map { $0 % 2 })
        }
    }
}
