import Foundation
import Wire

/// What storage has committed per producer (sensor lanes and decoders), so
/// acknowledgements can be published again: a PUB message can be lost (a
/// subscriber that joined late, a full queue), and a producer that never
/// hears of a commit would wait on it forever. Producers not heard of for
/// `retention` are forgotten.
public struct AckBoard {
    private struct Entry {
        var committed: SequenceRanges
        var lastChange: ContinuousClock.Instant
    }

    public let retention: Duration
    private var entries: [UUID: Entry] = [:]

    public init(retention: Duration = .seconds(600)) {
        self.retention = retention
    }

    public mutating func record(_ ack: Ack, at now: ContinuousClock.Instant = .now) {
        var entry = entries[ack.producer] ?? Entry(committed: SequenceRanges(), lastChange: now)
        for range in ack.ranges { entry.committed.insert(range) }
        entry.lastChange = now
        entries[ack.producer] = entry
    }

    /// One ack per producer still remembered, with everything committed for it.
    public mutating func summary(at now: ContinuousClock.Instant = .now) -> [Ack] {
        entries = entries.filter { now - $0.value.lastChange < retention }
        return entries.map { Ack(producer: $0.key, ranges: $0.value.committed.ranges) }
    }

    public var producerCount: Int { entries.count }
}
