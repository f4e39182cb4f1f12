import TestSupport
import Testing
import Wire

/// `formUnion(ascending:)` and `runs(of:)` against a plain set.
struct SequenceRangesTests {
    @Test func runsAndLinearUnionEqualASet() {
        var rng = SplitMix64(seed: 0x5E9)
        for _ in 0 ..< 300 {
            var ranges = SequenceRanges()
            var model = Set<UInt64>()
            for _ in 0 ..< 8 {
                let numbers = (0 ..< Int(rng.next() % 40)).map { _ in rng.next() % 120 }
                let runs = SequenceRanges.runs(of: numbers)
                #expect(Set(runs.flatMap { Array($0) }) == Set(numbers))
                #expect(zip(runs, runs.dropFirst()).allSatisfy { $0.upperBound + 1 < $1.lowerBound })
                ranges.formUnion(ascending: runs)
                model.formUnion(numbers)
                #expect(Set(ranges.ranges.flatMap { Array($0) }) == model)
                #expect(zip(ranges.ranges, ranges.ranges.dropFirst()).allSatisfy { $0.upperBound + 1 < $1.lowerBound })
            }
        }
        var top = SequenceRanges([UInt64.max - 1 ... UInt64.max])
        top.formUnion(ascending: SequenceRanges.runs(of: [UInt64.max, 3, 4]))
        #expect(top.ranges == [3 ... 4, UInt64.max - 1 ... UInt64.max])
    }
}
