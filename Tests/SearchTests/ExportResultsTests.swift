@testable import Search
import Testing
import Wire

/// Pages of a kept export result equal the slices a query would return.
@Suite struct ExportResultsTests {
    static func frames(_ count: Int) -> [QueryMessage.ExportFrame] {
        // Times repeat across captures, as copies of one capture's do.
        var frames: [QueryMessage.ExportFrame] = []
        for n in 0 ..< count {
            let position = QueryMessage.StoredPosition(segment: "s", offset: UInt64(n), length: 60)
            frames.append(QueryMessage.ExportFrame(capture: UInt64(1 + n % 3), frame: UInt64(n / 3 + 1),
                                                   time: Int64(n / 3), linkType: 1, position: position))
        }
        return frames.sorted { ExportResults.precedes($0.cursor, $1.cursor) }
    }

    static let request = QueryMessage.SearchRequest(query: "tcp", target: .packets, limit: 0)

    @Test func pagesWalkTheResultInOrder() {
        let all = Self.frames(1_000)
        var results = ExportResults()
        let now = ContinuousClock.now
        results.keep(all, for: Self.request, after: .start, now: now)
        var read: [QueryMessage.ExportFrame] = []
        var cursor = QueryMessage.ExportCursor.start
        while let page = results.page(Self.request, after: cursor, limit: 70, now: now), let last = page.last {
            read += page
            cursor = last.cursor
        }
        #expect(read.map(\.cursor) == all.map(\.cursor))
        #expect(results.page(Self.request, after: cursor, limit: 70, now: now) == [])
    }

    @Test func aResultServesOnlyCursorsAtOrAfterItsStart() {
        let all = Self.frames(90)
        var results = ExportResults()
        let now = ContinuousClock.now
        results.keep(Array(all[30...]), for: Self.request, after: all[29].cursor, now: now)
        #expect(results.page(Self.request, after: .start, limit: 10, now: now) == nil)
        #expect(results.page(Self.request, after: all[29].cursor, limit: 10, now: now)?.map(\.cursor)
                == all[30 ..< 40].map(\.cursor))
        var other = Self.request
        other.query = "udp"
        #expect(results.page(other, after: all[29].cursor, limit: 10, now: now) == nil)
    }

    @Test func resultsExpireAndTheLargestAreNotKept() {
        var results = ExportResults()
        let now = ContinuousClock.now
        results.keep(Self.frames(10), for: Self.request, after: .start, now: now)
        #expect(results.page(Self.request, after: .start, limit: 5, now: now + .seconds(30))?.count == 5)
        #expect(results.page(Self.request, after: .start, limit: 5, now: now + .seconds(91)) == nil)

        let large = Self.frames(ExportResults.maxFramesPerResult + 1)
        results.keep(large, for: Self.request, after: .start, now: now)
        #expect(results.page(Self.request, after: .start, limit: 5, now: now) == nil)
        let known = results.isTooLarge(Self.request, now: now)
        let forgotten = !results.isTooLarge(Self.request, now: now + .seconds(61))
        #expect(known && forgotten)
    }

    @Test func theLeastRecentlyUsedGoesFirst() {
        var results = ExportResults()
        let now = ContinuousClock.now
        let half = Self.frames(ExportResults.maxFrames / 2)
        var requests: [QueryMessage.SearchRequest] = []
        for n in 0 ..< 3 {
            var request = Self.request
            request.query = "port == \(n)"
            requests.append(request)
            results.keep(half, for: request, after: .start, now: now + .seconds(n))
        }
        #expect(results.page(requests[0], after: .start, limit: 1, now: now + .seconds(3)) == nil)
        #expect(results.page(requests[1], after: .start, limit: 1, now: now + .seconds(3))?.count == 1)
        #expect(results.page(requests[2], after: .start, limit: 1, now: now + .seconds(3))?.count == 1)
    }
}
