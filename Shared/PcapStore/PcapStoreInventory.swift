import Formats
import Foundation

/// A segment file found on disk.
public struct StoredSegment: Hashable, Sendable {
    public var id: SegmentID
    public var path: String
    public var size: UInt64
}

/// Lists the segments under a store root by walking
/// `<sensor>/<yyyy-mm-dd>/<capture>-<linktype>-<seq>.pcap`; anything whose
/// name does not parse is not a segment and is ignored.
public enum PcapStoreInventory {
    public static func segments(root: String) -> [StoredSegment] {
        var found: [StoredSegment] = []
        for sensorName in Posix.list(root) {
            guard let sensor = UUID(uuidString: sensorName) else { continue }
            let sensorPath = root + "/" + sensorName
            for dayName in Posix.list(sensorPath) {
                guard let day = UTCDay.parse(dayName) else { continue }
                let dayPath = sensorPath + "/" + dayName
                for fileName in Posix.list(dayPath) {
                    guard let id = SegmentID(sensor: sensor, day: day, fileName: fileName) else { continue }
                    let path = dayPath + "/" + fileName
                    guard let size = Posix.size(of: path) else { continue }
                    found.append(StoredSegment(id: id, path: path, size: size))
                }
            }
        }
        return found.sorted { $0.id < $1.id }
    }

    /// Bytes of all segments.
    public static func totalSize(root: String) -> UInt64 {
        segments(root: root).reduce(0) { $0 + $1.size }
    }
}
