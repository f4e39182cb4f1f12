import Formats
import Foundation

/// A segment file found on disk, with its packet index when it has one
/// (segments written before the index existed have none).
public struct StoredSegment: Hashable, Sendable {
    public var id: SegmentID
    public var path: String
    /// Bytes of the segment and of its index together: what deleting it frees.
    public var size: UInt64
    public var indexPath: String?

    public init(id: SegmentID, path: String, size: UInt64, indexPath: String? = nil) {
        self.id = id
        self.path = path
        self.size = size
        self.indexPath = indexPath
    }
}

/// Lists the segments under a store root by walking
/// `<sensor>/<yyyy-mm-dd>/<capture>-<linktype>-<seq>.pcap` (and the `.pidx`
/// index beside each); anything whose name does not parse is not a segment
/// and is ignored.
public enum PcapStoreInventory {
    public static func segments(root: String) -> [StoredSegment] {
        walk(root: root).segments
    }

    /// Index files whose segment is not on disk (a crash between creating the two).
    static func orphanIndexes(root: String) -> [(id: SegmentID, path: String)] {
        walk(root: root).orphans
    }

    private static func walk(root: String) -> (segments: [StoredSegment], orphans: [(id: SegmentID, path: String)]) {
        var found: [StoredSegment] = []
        var orphans: [(id: SegmentID, path: String)] = []
        for sensorName in Posix.list(root) {
            guard let sensor = UUID(uuidString: sensorName) else { continue }
            let sensorPath = root + "/" + sensorName
            for dayName in Posix.list(sensorPath) {
                guard let day = UTCDay.parse(dayName) else { continue }
                let dayPath = sensorPath + "/" + dayName
                let names = Posix.list(dayPath)
                let indexes = Set(names.filter { $0.hasSuffix(".pidx") })
                var claimed: Set<String> = []
                for fileName in names {
                    guard let id = SegmentID(sensor: sensor, day: day, fileName: fileName) else { continue }
                    let path = dayPath + "/" + fileName
                    guard let size = Posix.size(of: path) else { continue }
                    var segment = StoredSegment(id: id, path: path, size: size)
                    if indexes.contains(id.indexFileName), let indexSize = Posix.size(of: dayPath + "/" + id.indexFileName) {
                        segment.indexPath = dayPath + "/" + id.indexFileName
                        segment.size += indexSize
                        claimed.insert(id.indexFileName)
                    }
                    found.append(segment)
                }
                for name in indexes.subtracting(claimed) {
                    guard let id = SegmentID(sensor: sensor, day: day, indexFileName: name) else { continue }
                    orphans.append((id, dayPath + "/" + name))
                }
            }
        }
        return (found.sorted { $0.id < $1.id }, orphans.sorted { $0.id < $1.id })
    }

    /// Bytes of all segments and their indexes.
    public static func totalSize(root: String) -> UInt64 {
        segments(root: root).reduce(0) { $0 + $1.size }
    }
}
