@testable import Gateway
import Testing
import Wire

@Suite struct ExportChunksTests {
    static func page(_ lengths: [UInt32]) -> [QueryMessage.ExportFrame] {
        lengths.enumerated().map { index, length in
            QueryMessage.ExportFrame(capture: 1, frame: UInt64(index + 1), time: Int64(index), linkType: 1,
                                     position: .init(segment: "s", offset: 24, length: length))
        }
    }

    static func sizes(_ page: [QueryMessage.ExportFrame]) -> [Int] {
        var chunks = ExportChunks(page: page)
        var sizes: [Int] = []
        while let chunk = chunks.next() { sizes.append(chunk.count) }
        #expect(chunks.isAtEnd)
        return sizes
    }

    @Test func readsAreBoundedByFramesAndBytes() {
        #expect(Self.sizes(Self.page(Array(repeating: 40, count: 12_000))) == [5_000, 5_000, 2_000])
        #expect(Self.sizes(Self.page(Array(repeating: 100_000, count: 5))) == [2, 2, 1])
        // A frame above the bound is read alone, never skipped.
        #expect(Self.sizes(Self.page([100, 5_000_000, 100])) == [1, 1, 1])
        #expect(Self.sizes([]) == [])
    }
}
