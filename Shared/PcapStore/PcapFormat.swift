import Dissection

/// The on-disk format of a segment: libpcap's nanosecond pcap, little-endian.
public enum PcapFormat {
    static let nanosecondMagic: UInt32 = 0xa1b2_3c4d
    static let fileHeaderLength = 24
    static let recordHeaderLength = 16
    static let nanosecondsPerSecond: Int64 = 1_000_000_000

    static func fileHeader(linkType: LinkType, snapshotLength: UInt32 = PcapStoreLimits.snapshotLength) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(fileHeaderLength)
        out.appendLE32(nanosecondMagic)
        out.appendLE16(2); out.appendLE16(4)
        out.appendLE32(0); out.appendLE32(0)
        out.appendLE32(snapshotLength)
        out.appendLE32(linkType.rawValue)
        return out
    }

    /// The linktype of a valid nanosecond little-endian header, else nil.
    static func parseFileHeader(_ bytes: UnsafeRawBufferPointer) -> LinkType? {
        guard bytes.count >= fileHeaderLength,
              bytes.le32(at: 0) == nanosecondMagic,
              bytes.le16(at: 4) == 2 else { return nil }
        return LinkType(rawValue: bytes.le32(at: 20))
    }

    /// Whether a timestamp fits pcap's unsigned 32-bit seconds.
    public static func representable(_ timestamp: Int64) -> Bool {
        timestamp >= 0 && timestamp / nanosecondsPerSecond <= Int64(UInt32.max)
    }

    static func appendRecordHeader(to out: inout [UInt8], timestamp: Int64, capturedLength: Int, wireLength: Int) {
        out.appendLE32(UInt32(truncatingIfNeeded: timestamp / nanosecondsPerSecond))
        out.appendLE32(UInt32(truncatingIfNeeded: timestamp % nanosecondsPerSecond))
        out.appendLE32(UInt32(truncatingIfNeeded: capturedLength))
        out.appendLE32(UInt32(truncatingIfNeeded: wireLength))
    }

    struct RecordHeader: Equatable {
        var timestamp: Int64
        var capturedLength: Int
        var wireLength: Int
    }

    enum HeaderCheck {
        case ok(RecordHeader)
        /// Impossible values: the reason.
        case corrupt(String)
    }

    /// Parses and checks the 16 bytes at `at` (the caller guarantees them).
    static func recordHeader(_ bytes: UnsafeRawBufferPointer, at index: Int) -> HeaderCheck {
        let seconds = bytes.le32(at: index)
        let nanos = bytes.le32(at: index + 4)
        let caplen = bytes.le32(at: index + 8)
        let wirelen = bytes.le32(at: index + 12)
        guard nanos < UInt32(nanosecondsPerSecond) else {
            return .corrupt("nanoseconds \(nanos) ≥ 10^9")
        }
        guard caplen <= UInt32(PcapStoreLimits.maxCapturedLength) else {
            return .corrupt("captured length \(caplen) above \(PcapStoreLimits.maxCapturedLength)")
        }
        return .ok(RecordHeader(timestamp: Int64(seconds) * nanosecondsPerSecond + Int64(nanos),
                                capturedLength: Int(caplen), wireLength: Int(wirelen)))
    }
}

extension Array where Element == UInt8 {
    mutating func appendLE16(_ v: UInt16) {
        append(UInt8(truncatingIfNeeded: v)); append(UInt8(truncatingIfNeeded: v >> 8))
    }

    mutating func appendLE32(_ v: UInt32) {
        append(UInt8(truncatingIfNeeded: v)); append(UInt8(truncatingIfNeeded: v >> 8))
        append(UInt8(truncatingIfNeeded: v >> 16)); append(UInt8(truncatingIfNeeded: v >> 24))
    }

    mutating func appendLE64(_ v: UInt64) {
        appendLE32(UInt32(truncatingIfNeeded: v)); appendLE32(UInt32(truncatingIfNeeded: v >> 32))
    }
}

extension UnsafeRawBufferPointer {
    /// Little-endian reads; callers check `index + width <= count` first.
    func le16(at index: Int) -> UInt16 {
        UInt16(self[index]) | UInt16(self[index + 1]) << 8
    }

    func le32(at index: Int) -> UInt32 {
        UInt32(self[index]) | UInt32(self[index + 1]) << 8 | UInt32(self[index + 2]) << 16 | UInt32(self[index + 3]) << 24
    }
}
