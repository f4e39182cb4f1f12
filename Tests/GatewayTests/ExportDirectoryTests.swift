import Foundation
@testable import Gateway
import Testing

@Suite struct ExportDirectoryTests {
    /// The floor is measured on the nearest existing directory, before the first export creates its own.
    @Test func exportsLeaveTheirFloorFree() throws {
        let path = NSTemporaryDirectory() + "netsift-exports-\(UUID().uuidString)/exports"
        let none = ExportDirectory(path: path, minimumFreeBytes: 0)
        let free = try #require(none.freeBytes())
        #expect(free > 0)
        #expect(none.hasRoom(for: 0) && none.hasRoom(for: free / 2))
        #expect(!none.hasRoom(for: free + (1 << 30)))
        let floor = ExportDirectory(path: path, minimumFreeBytes: free + (1 << 30))
        #expect(!floor.hasRoom(for: 0))
        #expect("\(ExportDirectory.Full(floor))".contains("exports_min_free_mb"))
        #expect(ExportDirectory(path: path, minimumFreeBytes: -5).minimumFreeBytes == 0)
    }
}

@Suite struct ExportAgeTests {
    /// Exports (and partial files) last written before the age are removed;
    /// newer ones, and files that are not exports, stay.
    @Test func exportsOlderThanTheAgeAreRemoved() throws {
        let path = NSTemporaryDirectory() + "netsift-exports-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let now = Date()
        let files: [(String, TimeInterval)] = [
            ("netsift-search-1-a.pcap", 3 * 3600), (".netsift-search-2-b.pcap.partial", 3 * 3600),
            ("netsift-search-3-c.pcapng", 60), ("notes.txt", 3 * 3600),
        ]
        for (name, age) in files {
            let file = path + "/" + name
            FileManager.default.createFile(atPath: file, contents: Data([1, 2, 3]))
            try FileManager.default.setAttributes([.modificationDate: now.addingTimeInterval(-age)], ofItemAtPath: file)
        }
        let directory = ExportDirectory(path: path)
        let removed = directory.removeExports(olderThan: .seconds(2 * 3600), now: now)
        #expect(Set(removed) == ["netsift-search-1-a.pcap", ".netsift-search-2-b.pcap.partial"])
        let left = try FileManager.default.contentsOfDirectory(atPath: path)
        #expect(Set(left) == ["netsift-search-3-c.pcapng", "notes.txt"])
        #expect(directory.removeExports(olderThan: .seconds(2 * 3600), now: now).isEmpty)
    }
}
