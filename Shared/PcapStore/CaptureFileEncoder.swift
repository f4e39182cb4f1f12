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
            out = pcapng.take()
        } else {
            let only = linkTypes.first ?? .ethernet
            interfaces[only] = 0
            out = PcapFormat.fileHeader(linkType: only)
        }
    }

    /// Appends one frame. A link type not announced at `init` is refused
    /// (false): a pcap file has one, and pcapng interfaces come first.
    @discardableResult
    public mutating func append(linkType: LinkType, timestamp: Int64, wireLength: Int, frame: [UInt8]) -> Bool {
        guard let interface = interfaces[linkType] else { return false }
        if isPcapng {
            pcapng.append(interface: interface, timestamp: timestamp, frame: frame, wireLength: wireLength)
            out.append(contentsOf: pcapng.take())
        } else {
            PcapFormat.appendRecordHeader(to: &out, timestamp: timestamp, capturedLength: frame.count,
                                          wireLength: wireLength)
            out.append(contentsOf: frame)
        }
        return true
    }

    public var pendingBytes: Int { out.count }

    /// The bytes written since the last `take`.
    public mutating func take() -> [UInt8] {
        defer { out.removeAll(keepingCapacity: true) }
        return out
    }
}
