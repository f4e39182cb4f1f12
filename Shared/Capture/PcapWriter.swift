import Dissection

/// Encodes nanosecond-resolution pcap (magic 0xa1b23c4d, little-endian):
/// fixtures for tests now, the pcap store's segments later.
public struct PcapWriter {
    public private(set) var bytes: [UInt8] = []
    public let linkType: LinkType
    public let snapshotLength: UInt32

    public init(linkType: LinkType, snapshotLength: UInt32 = 262_144) {
        self.linkType = linkType
        self.snapshotLength = snapshotLength
        append32(0xa1b2_3c4d)
        append16(2); append16(4)
        append32(0); append32(0)
        append32(snapshotLength)
        append32(linkType.rawValue)
    }

    public mutating func append(timestamp: Int64, frame: some Collection<UInt8>, wireLength: Int? = nil) {
        let seconds = timestamp / 1_000_000_000
        let nanos = timestamp % 1_000_000_000
        append32(UInt32(truncatingIfNeeded: seconds))
        append32(UInt32(truncatingIfNeeded: nanos))
        append32(UInt32(truncatingIfNeeded: frame.count))
        append32(UInt32(truncatingIfNeeded: wireLength ?? frame.count))
        bytes.append(contentsOf: frame)
    }

    private mutating func append16(_ v: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: v)); bytes.append(UInt8(truncatingIfNeeded: v >> 8))
    }

    private mutating func append32(_ v: UInt32) {
        for shift in stride(from: 0, through: 24, by: 8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt32(shift))) }
    }
}
