/// A set of sequence numbers kept as ascending, disjoint, non-adjacent
/// closed ranges — what a producer knows is acknowledged, or what storage
/// has committed for a producer.
public struct SequenceRanges: Hashable, Sendable {
    public private(set) var ranges: [ClosedRange<UInt64>] = []

    public init(_ ranges: [ClosedRange<UInt64>] = []) {
        for range in ranges { insert(range) }
    }

    public var isEmpty: Bool { ranges.isEmpty }

    public func contains(_ sequence: UInt64) -> Bool {
        var low = 0
        var high = ranges.count
        while low < high {
            let mid = (low + high) / 2
            if ranges[mid].upperBound < sequence { low = mid + 1 } else { high = mid }
        }
        return low < ranges.count && ranges[low].contains(sequence)
    }

    /// Adds a range, merging it with those it overlaps or touches.
    public mutating func insert(_ range: ClosedRange<UInt64>) {
        var lower = range.lowerBound
        var upper = range.upperBound
        var kept: [ClosedRange<UInt64>] = []
        kept.reserveCapacity(ranges.count + 1)
        var placed = false
        for existing in ranges {
            let touchesBelow = existing.upperBound == .max || existing.upperBound + 1 >= lower
            let touchesAbove = upper == .max || existing.lowerBound <= upper + 1
            if touchesBelow && touchesAbove {
                lower = Swift.min(lower, existing.lowerBound)
                upper = Swift.max(upper, existing.upperBound)
            } else if existing.upperBound < lower {
                kept.append(existing)
            } else {
                if !placed {
                    kept.append(lower ... upper)
                    placed = true
                }
                kept.append(existing)
            }
        }
        if !placed { kept.append(lower ... upper) }
        ranges = kept
    }

    public mutating func formUnion(_ other: SequenceRanges) {
        for range in other.ranges { insert(range) }
    }

    /// Adds ascending ranges in one pass over both lists (linear, where
    /// inserting them one by one would be quadratic).
    public mutating func formUnion(ascending added: [ClosedRange<UInt64>]) {
        var merged: [ClosedRange<UInt64>] = []
        merged.reserveCapacity(ranges.count + added.count)
        var i = 0
        var j = 0
        while i < ranges.count || j < added.count {
            let next: ClosedRange<UInt64>
            if j == added.count || (i < ranges.count && ranges[i].lowerBound <= added[j].lowerBound) {
                next = ranges[i]
                i += 1
            } else {
                next = added[j]
                j += 1
            }
            if let last = merged.last, last.upperBound == .max || next.lowerBound <= last.upperBound + 1 {
                merged[merged.count - 1] = last.lowerBound ... Swift.max(last.upperBound, next.upperBound)
            } else {
                merged.append(next)
            }
        }
        ranges = merged
    }

    /// The ascending ranges of some numbers (any order, repeats allowed).
    public static func runs<Numbers: Sequence>(of numbers: Numbers) -> [ClosedRange<UInt64>] where Numbers.Element == UInt64 {
        var runs: [ClosedRange<UInt64>] = []
        var sorted = Array(numbers)
        // A batch's frame numbers usually come in order already.
        if zip(sorted, sorted.dropFirst()).contains(where: { $0 > $1 }) { sorted.sort() }
        for number in sorted {
            if let last = runs.last, last.upperBound == .max || number <= last.upperBound + 1 {
                runs[runs.count - 1] = last.lowerBound ... Swift.max(last.upperBound, number)
            } else {
                runs.append(number ... number)
            }
        }
        return runs
    }

    /// The highest s with every sequence in start…s present; start - 1 when
    /// `start` itself is missing.
    public func contiguous(from start: UInt64) -> UInt64 {
        for range in ranges where range.contains(start) { return range.upperBound }
        return start &- 1
    }

    /// Drops everything below `sequence` (what no one will ask about again).
    public mutating func removeBelow(_ sequence: UInt64) {
        ranges = ranges.compactMap { range in
            if range.upperBound < sequence { return nil }
            return Swift.max(range.lowerBound, sequence) ... range.upperBound
        }
    }
}
