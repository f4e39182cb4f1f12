import Wire

/// The frames of recent search exports, each evaluated once. A search's
/// capture file is listed a page at a time, and the file's order (time,
/// capture, frame) usually needs the whole result sorted: without this every
/// page would evaluate the query again. A result is kept `lifetime` after its
/// last page, so a file is one snapshot of the store; one larger than
/// `maxFramesPerResult` is not kept (its pages query again), and all together
/// hold at most `maxFrames` (~150 bytes each), the least recently used going first.
struct ExportResults: Sendable {
    static let lifetime = Duration.seconds(60)
    static let maxFramesPerResult = 400_000
    static let maxFrames = 800_000

    private struct Entry {
        /// The cursor the frames follow: pages after an earlier cursor are not here.
        var from: QueryMessage.ExportCursor
        var frames: [QueryMessage.ExportFrame]
        var usedAt: ContinuousClock.Instant
    }

    private var entries: [QueryMessage.SearchRequest: Entry] = [:]
    private var held = 0
    /// Results found too large to keep, when: their pages query a page at a time.
    private var tooLarge: [QueryMessage.SearchRequest: ContinuousClock.Instant] = [:]

    /// Whether the result is known to be too large to keep.
    mutating func isTooLarge(_ request: QueryMessage.SearchRequest, now: ContinuousClock.Instant) -> Bool {
        guard let seen = tooLarge[request] else { return false }
        guard now - seen <= Self.lifetime else {
            tooLarge[request] = nil
            return false
        }
        tooLarge[request] = now
        return true
    }

    /// The page after `cursor`, if the result is kept and covers it.
    mutating func page(_ request: QueryMessage.SearchRequest, after cursor: QueryMessage.ExportCursor, limit: Int,
                       now: ContinuousClock.Instant) -> [QueryMessage.ExportFrame]? {
        expire(now)
        guard var entry = entries[request], !Self.precedes(cursor, entry.from) else { return nil }
        entry.usedAt = now
        entries[request] = entry
        var low = 0, high = entry.frames.count
        while low < high {
            let middle = (low + high) / 2
            if Self.precedes(cursor, entry.frames[middle].cursor) { high = middle } else { low = middle + 1 }
        }
        return Array(entry.frames[low ..< min(low + limit, entry.frames.count)])
    }

    /// Keeps a whole result (every frame after `cursor`, in order).
    mutating func keep(_ frames: [QueryMessage.ExportFrame], for request: QueryMessage.SearchRequest,
                       after cursor: QueryMessage.ExportCursor, now: ContinuousClock.Instant) {
        expire(now)
        guard frames.count <= Self.maxFramesPerResult else {
            if tooLarge.count >= 64 { tooLarge.removeAll() }
            tooLarge[request] = now
            return
        }
        remove(request)
        while held + frames.count > Self.maxFrames, let oldest = entries.min(by: { $0.value.usedAt < $1.value.usedAt }) {
            remove(oldest.key)
        }
        entries[request] = Entry(from: cursor, frames: frames, usedAt: now)
        held += frames.count
    }

    private mutating func expire(_ now: ContinuousClock.Instant) {
        for (request, entry) in entries where now - entry.usedAt > Self.lifetime { remove(request) }
    }

    private mutating func remove(_ request: QueryMessage.SearchRequest) {
        if let gone = entries.removeValue(forKey: request) { held -= gone.frames.count }
    }

    /// The file's order: time, then capture, then frame.
    static func precedes(_ a: QueryMessage.ExportCursor, _ b: QueryMessage.ExportCursor) -> Bool {
        (a.time, a.capture, a.frame) < (b.time, b.capture, b.frame)
    }
}
