import Dissection
import Formats
import Foundation

/// Which segments a packet may go to: one sensor, one capture, one linktype,
/// one UTC day. Segments are cut at UTC day boundaries so retention by age
/// deletes whole files.
public struct SegmentKey: Hashable, Sendable, CustomStringConvertible {
    public var sensor: UUID
    public var capture: UInt64
    public var linkType: LinkType
    /// Days since 1970-01-01, UTC.
    public var day: Int32

    public init(sensor: UUID, capture: UInt64, linkType: LinkType, day: Int32) {
        self.sensor = sensor
        self.capture = capture
        self.linkType = linkType
        self.day = day
    }

    /// The key of a packet at `timestamp` (nanoseconds since the epoch, UTC).
    public init(sensor: UUID, capture: UInt64, linkType: LinkType, timestamp: Int64) {
        self.init(sensor: sensor, capture: capture, linkType: linkType, day: UTCDay.of(nanoseconds: timestamp))
    }

    public var description: String {
        "\(sensor.uuidString.lowercased())/\(UTCDay.string(day))/\(capture)-\(linkType.rawValue)"
    }
}

/// One segment file: its key and its sequence number within the key
/// (1, 2, … as the size cap rotates it, and again after a writer restart).
public struct SegmentID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var key: SegmentKey
    public var sequence: UInt32

    public init(key: SegmentKey, sequence: UInt32) {
        self.key = key
        self.sequence = sequence
    }

    /// `<sensor uuid, lowercase>/<yyyy-mm-dd>/<capture>-<linktype>-<seq, 6 digits>.pcap`,
    /// relative to the store root.
    public var relativePath: String {
        "\(key.sensor.uuidString.lowercased())/\(UTCDay.string(key.day))/\(fileName)"
    }

    public var fileName: String {
        let seq = String(sequence)
        return "\(key.capture)-\(key.linkType.rawValue)-\(String(repeating: "0", count: max(0, 6 - seq.count)))\(seq).pcap"
    }

    /// The segment's packet index beside it: `<capture>-<linktype>-<seq>.pidx`.
    public var indexFileName: String { String(fileName.dropLast(5)) + ".pidx" }

    public var indexRelativePath: String { directory + "/" + indexFileName }

    public var directory: String {
        "\(key.sensor.uuidString.lowercased())/\(UTCDay.string(key.day))"
    }

    /// The inverse of `relativePath`; nil for anything that is not a segment.
    public init?(relativePath: String) {
        let parts = relativePath.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.count == 3,
              let sensor = UUID(uuidString: String(parts[0])),
              let day = UTCDay.parse(parts[1]) else { return nil }
        self.init(sensor: sensor, day: day, fileName: parts[2])
    }

    init?(sensor: UUID, day: Int32, fileName: some StringProtocol) {
        guard fileName.hasSuffix(".pcap") else { return nil }
        self.init(sensor: sensor, day: day, stem: fileName.dropLast(5))
    }

    /// The segment a packet index file belongs to; nil for any other name.
    init?(sensor: UUID, day: Int32, indexFileName: some StringProtocol) {
        guard indexFileName.hasSuffix(".pidx") else { return nil }
        self.init(sensor: sensor, day: day, stem: indexFileName.dropLast(5))
    }

    private init?(sensor: UUID, day: Int32, stem: some StringProtocol) {
        let stem = stem.split(separator: "-", omittingEmptySubsequences: false)
        guard stem.count == 3,
              let capture = UInt64(stem[0]),
              let linkType = UInt32(stem[1]),
              let sequence = UInt32(stem[2]) else { return nil }
        self.init(key: SegmentKey(sensor: sensor, capture: capture, linkType: LinkType(rawValue: linkType), day: day),
                  sequence: sequence)
    }

    public static func < (a: SegmentID, b: SegmentID) -> Bool {
        (a.key.sensor.uuidString, a.key.day, a.key.capture, a.key.linkType.rawValue, a.sequence)
            < (b.key.sensor.uuidString, b.key.day, b.key.capture, b.key.linkType.rawValue, b.sequence)
    }

    public var description: String { relativePath }
}

/// Where one packet lives: its segment, the byte offset of its 16-byte pcap
/// record header, the record's whole length (header + captured bytes), and
/// the number of its entry in the segment's packet index.
public struct PacketPosition: Hashable, Sendable {
    public var segment: SegmentID
    public var offset: UInt64
    public var length: UInt32
    public var indexRecord: UInt64

    public init(segment: SegmentID, offset: UInt64, length: UInt32, indexRecord: UInt64 = 0) {
        self.segment = segment
        self.offset = offset
        self.length = length
        self.indexRecord = indexRecord
    }

    public var capturedLength: Int { Int(length) - PcapFormat.recordHeaderLength }
}

