import Dissection
import Formats
import Foundation
import PcapStore
import Testing

@Suite struct NamingTests {
    @Test func utcDaysAndNames() {
        #expect(UTCDay.of(nanoseconds: 0) == 0)
        #expect(UTCDay.of(nanoseconds: -1) == -1)
        #expect(UTCDay.of(nanoseconds: UTCDay.nanosecondsPerDay - 1) == 0)
        #expect(UTCDay.of(nanoseconds: UTCDay.nanosecondsPerDay) == 1)
        #expect(UTCDay.string(0) == "1970-01-01")
        #expect(UTCDay.string(-1) == "1969-12-31")
        #expect(UTCDay.string(UTCDay.of(nanoseconds: noonMarch10)) == "2024-03-10")
        #expect(UTCDay.parse("2024-02-29") == UTCDay.from(year: 2024, month: 2, day: 29))
        #expect(UTCDay.parse("2023-02-29") == nil)
        #expect(UTCDay.parse("2024-3-10") == nil)
        for day in stride(from: Int32(-800), through: 80_000, by: 37) {
            #expect(UTCDay.parse(UTCDay.string(day)) == day)
        }
    }

    @Test func segmentPathsRoundTrip() {
        let key = SegmentKey(sensor: sensorA, capture: 42, linkType: .linuxSLL2, timestamp: noonMarch10)
        let id = SegmentID(key: key, sequence: 7)
        #expect(id.relativePath == "6f1c2a3b-4d5e-4f60-8172-93a4b5c6d7e8/2024-03-10/42-276-000007.pcap")
        #expect(SegmentID(relativePath: id.relativePath) == id)
        #expect(SegmentID(relativePath: "6f1c2a3b-4d5e-4f60-8172-93a4b5c6d7e8/2024-03-10/notes.txt") == nil)
        #expect(SegmentID(relativePath: "x/2024-03-10/42-276-000007.pcap") == nil)
        let big = SegmentID(key: key, sequence: 12_345_678)
        #expect(SegmentID(relativePath: big.relativePath) == big)
    }
}
