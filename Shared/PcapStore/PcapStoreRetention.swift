/// Deletes whole segments with their packet indexes. Each call returns what
/// it deleted so storage can delete the matching `segments` rows (and what
/// points into them) in the same pass. Storage must keep the writer's open segments out of reach
/// (`protecting`), since deleting a file under a writer loses its appends.
public enum PcapStoreRetention {
    /// Which segments a size budget removes first.
    public enum Order: Sendable {
        /// Lowest capture id first — storage assigns ids in ingest order, so
        /// this is DESIGN.md's "oldest-ingested captures go first"; within a
        /// capture, oldest day, then sequence.
        case oldestCaptureFirst
        /// Oldest UTC day first (packet time), then capture, then sequence.
        case oldestDayFirst
    }

    /// Deletes every segment of a UTC day before `day` (days since the epoch).
    @discardableResult
    public static func deleteDays(olderThan day: Int32, root: String,
                                  protecting: Set<SegmentID> = []) throws(PcapStoreError) -> [StoredSegment] {
        var deleted: [StoredSegment] = []
        for segment in PcapStoreInventory.segments(root: root)
        where segment.id.key.day < day && !protecting.contains(segment.id) {
            try remove(segment)
            deleted.append(segment)
        }
        removeEmptyDirectories(of: deleted, root: root)
        return deleted
    }

    /// Bytes of all segments and indexes under `root`.
    public static func totalSize(root: String) -> UInt64 {
        PcapStoreInventory.totalSize(root: root)
    }

    /// Deletes segments in `order` until the store's total is at most `budget`
    /// bytes (or only protected segments remain).
    @discardableResult
    public static func deleteOldest(toFit budget: UInt64, root: String, order: Order = .oldestCaptureFirst,
                                    protecting: Set<SegmentID> = []) throws(PcapStoreError) -> [StoredSegment] {
        let segments = PcapStoreInventory.segments(root: root)
        var total = segments.reduce(UInt64(0)) { $0 + $1.size }
        guard total > budget else { return [] }
        let ordered: [StoredSegment]
        switch order {
        case .oldestCaptureFirst:
            ordered = segments.sorted {
                ($0.id.key.capture, $0.id.key.day, $0.id.sequence, $0.path) < ($1.id.key.capture, $1.id.key.day, $1.id.sequence, $1.path)
            }
        case .oldestDayFirst:
            ordered = segments.sorted {
                ($0.id.key.day, $0.id.key.capture, $0.id.sequence, $0.path) < ($1.id.key.day, $1.id.key.capture, $1.id.sequence, $1.path)
            }
        }
        var deleted: [StoredSegment] = []
        for segment in ordered where total > budget && !protecting.contains(segment.id) {
            try remove(segment)
            total -= segment.size
            deleted.append(segment)
        }
        removeEmptyDirectories(of: deleted, root: root)
        return deleted
    }

    /// Storage deletes a segment's rows before its files, so a crash in
    /// between leaves files nothing points into, which recovery removes.
    private static func remove(_ segment: StoredSegment) throws(PcapStoreError) {
        if let index = segment.indexPath { try Posix.remove(index) }
        try Posix.remove(segment.path)
    }

    /// Removes day and sensor directories left empty.
    private static func removeEmptyDirectories(of deleted: [StoredSegment], root: String) {
        let days = Set(deleted.map { root + "/" + $0.id.directory })
        for day in days { Posix.removeDirectoryIfEmpty(day) }
        let sensors = Set(deleted.map { root + "/" + $0.id.key.sensor.uuidString.lowercased() })
        for sensor in sensors { Posix.removeDirectoryIfEmpty(sensor) }
    }
}
