/// The segment paths of a message's pcap store positions, each written once:
/// a position names its segment by an index into the table, whose paths are
/// distinct and in order of first use. A page of thousands of positions
/// carries a handful of paths (`query.v1` export frames, `read.v1` reads).
///
/// Wire form: count m (UInt32), m × (path length UInt16 ≤ 1,024, path UTF-8).
struct SegmentTable {
    /// A path longer than this is refused; store paths are ~70 bytes.
    static let maxPathLength = 1_024

    private(set) var paths: [String] = []
    private var indices: [String: UInt32] = [:]
    /// The last path looked up: positions come in runs of one segment.
    private var last: (path: String, index: UInt32)?

    /// The indices of `segments` in a new table, in order.
    static func indexing(_ segments: some Sequence<String>) -> (table: SegmentTable, indices: [UInt32]) {
        var table = SegmentTable()
        let indices = segments.map { table.index($0) }
        return (table, indices)
    }

    /// The index of `path`, added on first use.
    mutating func index(_ path: String) -> UInt32 {
        if let last, last.path == path { return last.index }
        let index: UInt32
        if let known = indices[path] {
            index = known
        } else {
            index = UInt32(truncatingIfNeeded: paths.count)
            indices[path] = index
            paths.append(path)
        }
        last = (path, index)
        return index
    }

    func write(to w: inout WireWriter) {
        w.uint32(UInt32(truncatingIfNeeded: paths.count))
        for path in paths {
            let bytes = path.utf8.prefix(Self.maxPathLength)
            w.uint16(UInt16(truncatingIfNeeded: bytes.count))
            w.append(bytes)
        }
    }

    /// Reads a table of at most `limit` paths (a message's position count:
    /// every path is used). Paths must be valid UTF-8 and distinct.
    static func read(_ r: inout WireReader, limit: Int) throws(WireError) -> [String] {
        let count = Int(try r.uint32("segment count"))
        guard count <= limit else { throw r.error(.invalidValue, "\(count) segments for \(limit) positions") }
        var paths: [String] = []
        paths.reserveCapacity(count)
        var seen: Set<String> = []
        for _ in 0 ..< count {
            let length = Int(try r.uint16("segment path length"))
            guard length <= maxPathLength else { throw r.error(.limitExceeded, "segment path of \(length) bytes") }
            guard let path = String(validating: try r.slice(length, "segment path"), as: UTF8.self) else {
                throw r.error(.invalidValue, "segment path (not UTF-8)")
            }
            guard seen.insert(path).inserted else { throw r.error(.invalidValue, "segment path \(path) (listed twice)") }
            paths.append(path)
        }
        return paths
    }

    /// Checks the indices positions give as they are read: each below the
    /// table's size, each path first used in table order, every path used.
    struct IndexCheck {
        let count: Int
        private var used = 0

        init(count: Int) { self.count = count }

        mutating func check(_ index: UInt32, _ r: WireReader) throws(WireError) -> Int {
            let index = Int(index)
            guard index < count else { throw r.error(.invalidValue, "segment \(index) of \(count)") }
            guard index <= used else { throw r.error(.invalidValue, "segment \(index) used before segment \(used)") }
            if index == used { used += 1 }
            return index
        }

        func finish(_ r: WireReader) throws(WireError) {
            guard used == count else { throw r.error(.invalidValue, "segments \(used) to \(count - 1) never used") }
        }
    }
}
