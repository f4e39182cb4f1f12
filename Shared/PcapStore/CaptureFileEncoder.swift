import Dissection

/// Writes a capture file piece by piece, for downloads streamed page by
/// page: nanosecond pcap when every frame has one link type, pcapng (one
/// interface per link type, in the order given) when they mix.
public struct CaptureFileEncoder {
    public let isPcapng: Bool
    private var pcapng = PcapngWriter()
    private var interfaces: [LinkType: UInt32] = [:]
    private var out: [UInt8] = []

    /// `linkTypes`: every link type the frames will have, in order of first
    /// appearance. None gives an empty Ethernet pcap.
    public init(linkTypes: [LinkType]) {
        isPcapng = linkTypes.count > 1
        if isPcapng {
            for linkType in linkTypes { interfaces[linkType] = pcapng.addInterface(linkType: linkType) }
        } else {
            let only = linkTypes.first ?? .ethernet
            interfaces[only] = 0
            out = PcapFormat.fileHeader(linkType: only)
        }
    }

    /// The size of the file `init(linkTypes:)` starts: its header, then
    /// `frames` records or blocks holding `capturedBytes` (pcap) or
    /// `paddedBytes`, the same with each frame padded to 4 (pcapng).
    public static func fileSize(linkTypes: [LinkType], frames: UInt64, capturedBytes: UInt64,
                                paddedBytes: UInt64) -> UInt64 {
        var encoder = CaptureFileEncoder(linkTypes: linkTypes)
        let header = UInt64(encoder.take().count)
        return encoder.isPcapng
            ? header + frames * UInt64(PcapngWriter.enhancedPacketOverhead) + paddedBytes
            : header + frames * UInt64(PcapFormat.recordHeaderLength) + capturedBytes
    }

    /// The bytes one frame of `capturedLength` takes in a pcap file (a
    /// record) or a pcapng file (a block, the frame padded to 4).
    public static func encodedLength(capturedLength: UInt64, pcapng: Bool) -> UInt64 {
        pcapng ? UInt64(PcapngWriter.enhancedPacketOverhead) + (capturedLength + 3) / 4 * 4
            : UInt64(PcapFormat.recordHeaderLength) + capturedLength
    }

    /// Appends one frame. A link type not announced at `init` is refused
    /// (false): a pcap file has one, and pcapng interfaces come first.
    @discardableResult
    public mutating func append(linkType: LinkType, timestamp: Int64, wireLength: Int, frame: ArraySlice<UInt8>) -> Bool {
        guard let interface = interfaces[linkType] else { return false }
        if isPcapng {
            frame.withUnsafeBytes { pcapng.append(interface: interface, timestamp: timestamp, frame: $0, wireLength: wireLength) }
        } else {
            PcapFormat.appendRecordHeader(to: &out, timestamp: timestamp, capturedLength: frame.count,
                                          wireLength: wireLength)
            out.append(contentsOf: frame)
        }
        return true
    }

    @discardableResult
    public mutating func append(linkType: LinkType, timestamp: Int64, wireLength: Int, frame: [UInt8]) -> Bool {
        append(linkType: linkType, timestamp: timestamp, wireLength: wireLength, frame: frame[...])
    }

    /// Whether frames of `linkType` go into the file as the pcap store's
    /// records, unchanged: the store keeps nanosecond pcap, the format of a
    /// pcap file here, so its records need no encoding.
    public func takesStoredRecords(of linkType: LinkType) -> Bool {
        !isPcapng && interfaces[linkType] != nil
    }

    /// The bytes written since the last `take`.
    public mutating func take() -> [UInt8] {
        if isPcapng { return pcapng.take() }
        defer { out.removeAll(keepingCapacity: true) }
        return out
    }
}
