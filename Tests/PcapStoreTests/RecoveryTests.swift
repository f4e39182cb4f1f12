import Foundation
import PcapStore
import Testing

func appendRaw(_ bytes: [UInt8], to path: String) throws {
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try handle.seekToEnd()
    try handle.write(contentsOf: Data(bytes))
    try handle.close()
}

func overwrite(_ bytes: [UInt8], at offset: UInt64, in path: String) throws {
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try handle.seek(toOffset: offset)
    try handle.write(contentsOf: Data(bytes))
    try handle.close()
}

func storeErrorCode(_ body: () throws -> Void) -> PcapStoreError.Code? {
    do { try body(); return nil } catch let error as PcapStoreError { return error.code } catch { return nil }
}

@Suite struct RecoveryTests {
    @Test func truncateToCommittedLengthRestoresTheFlushedState() throws {
        let dir = try TemporaryDirectory()
        let committed = makePackets(count: 40, start: noonMarch10, seed: 11)
        let later = makePackets(count: 40, start: noonMarch10 + 1_000_000_000, seed: 12)
        var path = ""
        var committedLength: UInt64 = 0
        var snapshot: [UInt8] = []
        do {
            // Write-through buffers, so the uncommitted packets reach the file.
            let writer = try PcapStoreWriter(root: dir.path, configuration: .init(writeBufferBytes: 0))
            let positions = try writer.append(committed)
            let flushed = try writer.flush()
            path = writer.path(of: positions[0].segment)
            committedLength = try #require(flushed.first).durableLength
            snapshot = try fileBytes(path)
            try writer.append(later)
            // "Crash": the writer goes away without flush or close, leaving a torn record too.
        }
        try appendRaw([1, 2, 3, 4, 5, 6, 7], to: path)
        #expect(UInt64(try fileBytes(path).count) > committedLength)

        let cut = try PcapStoreRecovery.truncate(segment: path, toCommittedLength: committedLength)
        #expect(cut > 0)
        #expect(try fileBytes(path) == snapshot)
        #expect(try readWithLibpcap(path).packets == committed)
        #expect(try PcapStoreRecovery.truncate(segment: path, toCommittedLength: committedLength) == 0)
        #expect(storeErrorCode { try PcapStoreRecovery.truncate(segment: path, toCommittedLength: committedLength + 1) } == .shorterThanCommitted)
    }

    @Test func scanFindsTheLastCompleteRecordAndCutsATornTail() throws {
        let dir = try TemporaryDirectory()
        let writer = try PcapStoreWriter(root: dir.path)
        let packets = makePackets(count: 25, start: noonMarch10, seed: 13)
        let positions = try writer.append(packets)
        try writer.close()
        let path = writer.path(of: positions[0].segment)
        let whole = try fileBytes(path)

        let clean = try PcapStoreRecovery.scan(segment: path)
        #expect(clean.validLength == UInt64(whole.count))
        #expect(clean.recordCount == 25 && clean.tornBytes == 0)
        #expect(clean.lastTimestamp == packets.last?.timestamp)
        #expect(clean.linkType == .ethernet)

        // A torn record: a full header promising 500 bytes, then 100 of them.
        var torn: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0xf4, 0x01, 0, 0, 0xf4, 0x01, 0, 0]
        torn += [UInt8](repeating: 0xab, count: 100)
        try appendRaw(torn, to: path)
        let scanned = try PcapStoreRecovery.cutTornTail(segment: path)
        #expect(scanned.tornBytes == 116 && scanned.recordCount == 25)
        #expect(try fileBytes(path) == whole)

        // A torn header (fewer than 16 bytes).
        try appendRaw([9, 9, 9], to: path)
        #expect(try PcapStoreRecovery.cutTornTail(segment: path).tornBytes == 3)
        #expect(try fileBytes(path) == whole)

        // A torn file header: nothing valid.
        let stub = dir.sub("stub.pcap")
        _ = FileManager.default.createFile(atPath: stub, contents: Data([0x4d, 0x3c, 0xb2]))
        let empty = try PcapStoreRecovery.scan(segment: stub)
        #expect(empty.validLength == 0 && empty.linkType == nil && empty.tornBytes == 3)
    }

    @Test func corruptRecordHeaderIsATypedError() throws {
        let dir = try TemporaryDirectory()
        let writer = try PcapStoreWriter(root: dir.path)
        let positions = try writer.append(makePackets(count: 10, start: noonMarch10, seed: 14))
        try writer.close()
        let path = writer.path(of: positions[0].segment)
        // Record 4's captured length becomes 0xffffffff.
        try overwrite([0xff, 0xff, 0xff, 0xff], at: positions[4].offset + 8, in: path)
        do {
            _ = try PcapStoreRecovery.scan(segment: path)
            Issue.record("scan accepted a corrupt header")
        } catch {
            #expect(error.code == .corruptRecordHeader)
            #expect(error.offset == positions[4].offset)
        }
        let reader = PcapStoreReader(root: dir.path)
        #expect(storeErrorCode { _ = try reader.read(positions[4]) } == .corruptRecordHeader)
        #expect(try reader.read(positions[3]).bytes.count == positions[3].capturedLength)

        // Nanoseconds ≥ 10^9.
        try overwrite([0x00, 0xca, 0x9a, 0x3b], at: positions[2].offset + 4, in: path)
        #expect(storeErrorCode { _ = try reader.read(positions[2]) } == .corruptRecordHeader)

        // Not a nanosecond pcap at all.
        let garbage = dir.sub("garbage.pcap")
        _ = FileManager.default.createFile(atPath: garbage, contents: Data([UInt8](repeating: 0x41, count: 100)))
        #expect(storeErrorCode { _ = try PcapStoreRecovery.scan(segment: garbage) } == .badFileHeader)
    }

    @Test func reconcileCutsCommittedSegmentsAndRemovesUncommittedOnes() throws {
        let dir = try TemporaryDirectory()
        var committed: [SegmentID: PcapStoreRecovery.CommittedLength] = [:]
        var kept: SegmentID?
        var orphan: SegmentID?
        do {
            let writer = try PcapStoreWriter(root: dir.path, configuration: .init(writeBufferBytes: 0))
            let a = try writer.append(makePackets(count: 5, start: noonMarch10), capture: 1)
            for f in try writer.flush() {
                committed[f.segment] = .init(segment: f.durableLength, index: f.durableIndexLength)
            }
            try writer.append(makePackets(count: 5, start: noonMarch10 + 1_000_000_000), capture: 1)
            let b = try writer.append(makePackets(count: 5, start: noonMarch10), capture: 2)
            kept = a[0].segment
            orphan = b[0].segment
        }
        let actions = try PcapStoreRecovery.reconcile(root: dir.path, committedLengths: committed)
        let keptID = try #require(kept), orphanID = try #require(orphan)
        #expect(actions.contains(.removed(orphanID)))
        #expect(actions.contains {
            if case .truncated(keptID, let cut, let cutIndex) = $0 { return cut > 0 && cutIndex == 5 * 128 } else { return false }
        })
        let left = PcapStoreInventory.segments(root: dir.path)
        #expect(left.map(\.id) == [keptID])
        let keptLengths = try #require(committed[keptID])
        #expect(left.first?.size == keptLengths.segment + keptLengths.index)
        #expect(try Set(FileManager.default.subpathsOfDirectory(atPath: dir.path).filter { $0.contains(".p") })
                == [keptID.relativePath, keptID.indexRelativePath])
        let entries = try PacketIndexReader(root: dir.path).entries(of: keptID, records: 0..<5)
        #expect(entries.map(\.frameNumber) == [1, 2, 3, 4, 5])

        let missing = SegmentID(key: keptID.key, sequence: 99)
        #expect(storeErrorCode {
            _ = try PcapStoreRecovery.reconcile(root: dir.path, committedLengths: [keptID: keptLengths, missing: .init(segment: 100, index: 16)])
        } == .segmentMissing)
    }

    @Test func reconcileRemovesAnIndexWithoutItsSegmentAndKeepsSegmentsFromBeforeTheIndex() throws {
        let dir = try TemporaryDirectory()
        var committed: [SegmentID: PcapStoreRecovery.CommittedLength] = [:]
        var id: SegmentID?
        do {
            let writer = try PcapStoreWriter(root: dir.path)
            id = try writer.append(makePackets(count: 3, start: noonMarch10))[0].segment
            for f in try writer.close() { committed[f.segment] = .init(segment: f.durableLength, index: f.durableIndexLength) }
        }
        let segment = try #require(id)
        let lengths = try #require(committed[segment])
        // A segment from before the index: no index file, none committed.
        try FileManager.default.removeItem(atPath: dir.path + "/" + segment.indexRelativePath)
        #expect(try PcapStoreRecovery.reconcile(root: dir.path, committedLengths: [segment: .init(segment: lengths.segment, index: 0)])
                == [.truncated(segment, cutBytes: 0, cutIndexBytes: 0)])
        // ... but a committed index that is gone is lost data.
        #expect(storeErrorCode { _ = try PcapStoreRecovery.reconcile(root: dir.path, committedLengths: [segment: lengths]) } == .segmentMissing)
        // An index whose segment was never committed (a crash between creating the two) goes.
        let stray = SegmentID(key: segment.key, sequence: 7)
        _ = FileManager.default.createFile(atPath: dir.path + "/" + stray.indexRelativePath, contents: Data([1, 2, 3]))
        #expect(try PcapStoreRecovery.reconcile(root: dir.path, committedLengths: [segment: .init(segment: lengths.segment, index: 0)])
                .contains(.removed(stray)))
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/" + stray.indexRelativePath))
    }
}
