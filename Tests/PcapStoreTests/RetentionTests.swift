import Formats
import Foundation
import PcapStore
import Testing

@Suite struct RetentionTests {
    /// Three days × two captures, one segment each; returns their ids by (day index, capture).
    func populate(_ root: String) throws -> [SegmentID] {
        let writer = try PcapStoreWriter(root: root)
        var ids: [SegmentID] = []
        for day in 0..<3 {
            for capture in UInt64(1)...2 {
                let start = noonMarch10 + Int64(day) * UTCDay.nanosecondsPerDay
                let positions = try writer.append(makePackets(count: 10 * Int(capture), start: start, seed: UInt64(day) * 10 + capture), capture: capture)
                ids.append(positions[0].segment)
            }
        }
        try writer.close()
        return ids
    }

    @Test func deleteDaysOlderThanRemovesWholeDays() throws {
        let dir = try TemporaryDirectory()
        let ids = try populate(dir.path)
        let march12 = try #require(UTCDay.parse("2024-03-12"))
        let deleted = try PcapStoreRetention.deleteDays(olderThan: march12, root: dir.path)
        #expect(Set(deleted.map(\.id)) == Set(ids[0..<4]))
        #expect(PcapStoreInventory.segments(root: dir.path).map(\.id) == Array(ids[4..<6]))
        let sensorDir = dir.path + "/" + sensorA.uuidString.lowercased()
        #expect(try FileManager.default.contentsOfDirectory(atPath: sensorDir) == ["2024-03-12"])
        // Each segment went with its packet index.
        #expect(try Set(FileManager.default.contentsOfDirectory(atPath: sensorDir + "/2024-03-12"))
                == Set(ids[4..<6].flatMap { [$0.fileName, $0.indexFileName] }))
        // Protected segments survive.
        let none = try PcapStoreRetention.deleteDays(olderThan: march12 + 1, root: dir.path, protecting: [ids[5]])
        #expect(none.map(\.id) == [ids[4]])
    }

    @Test func deleteOldestToFitABudget() throws {
        let dir = try TemporaryDirectory()
        let ids = try populate(dir.path)
        let segments = PcapStoreInventory.segments(root: dir.path)
        let size = Dictionary(uniqueKeysWithValues: segments.map { ($0.id, $0.size) })
        let total = PcapStoreRetention.totalSize(root: dir.path)
        #expect(total == segments.reduce(0) { $0 + $1.size })
        // A segment's size counts its index: 10 or 20 records of 128 bytes after a 16-byte header.
        for segment in segments {
            let pcap = try #require(fileSize(segment.path))
            #expect(segment.size - pcap == 16 + 128 * 10 * segment.id.key.capture)
        }
        #expect(try PcapStoreRetention.deleteOldest(toFit: total, root: dir.path).isEmpty)

        // Oldest capture first: capture 1's days go before capture 2's, and
        // deletion stops as soon as the total fits.
        let budget = total - size[ids[0]]! - size[ids[2]]! + 1
        let deleted = try PcapStoreRetention.deleteOldest(toFit: budget, root: dir.path)
        #expect(deleted.map(\.id) == [ids[0], ids[2]])
        #expect(PcapStoreRetention.totalSize(root: dir.path) <= budget)

        // By day: 2024-03-10 and 2024-03-11 go, whatever their capture.
        let byDay = try PcapStoreRetention.deleteOldest(toFit: size[ids[4]]! + size[ids[5]]!, root: dir.path, order: .oldestDayFirst)
        #expect(byDay.map(\.id) == [ids[1], ids[3]])
        // Only protected segments left above the budget: stop there.
        let stuck = try PcapStoreRetention.deleteOldest(toFit: 0, root: dir.path, protecting: [ids[4]])
        #expect(stuck.map(\.id) == [ids[5]])
        #expect(PcapStoreInventory.segments(root: dir.path).map(\.id) == [ids[4]])
    }
}
