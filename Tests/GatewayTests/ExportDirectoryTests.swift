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
