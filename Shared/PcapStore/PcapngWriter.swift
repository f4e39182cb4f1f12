import Dissection

/// A minimal pcapng encoder (little-endian): one Section Header Block,
/// one Interface Description Block per linktype with `if_tsresol` = 9
/// (nanoseconds), and Enhanced Packet Blocks. Bytes accumulate in `bytes`;
/// `take()` hands them over for streaming.
public struct PcapngWriter {
    public private(set) var bytes: [UInt8] = []
    public private(set) var interfaces: [LinkType] = []

    static let sectionHeaderBlock: UInt32 = 0x0A0D_0D0A
    static let byteOrderMagic: UInt32 = 0x1A2B_3C4D
    static let interfaceDescriptionBlock: UInt32 = 1
    static let enhancedPacketBlock: UInt32 = 6
    static let optionEnd: UInt16 = 0
    static let optionTimestampResolution: UInt16 = 9
    /// Fixed part of an EPB: type, length, interface, 2 × timestamp, 2 × length, trailing length.
    static let enhancedPacketOverhead = 32

    /// Starts a section (length unknown, as a stream must).
    public init() {
        bytes.appendLE32(Self.sectionHeaderBlock)
        bytes.appendLE32(28)
        bytes.appendLE32(Self.byteOrderMagic)
        bytes.appendLE16(1); bytes.appendLE16(0)
        bytes.appendLE64(UInt64.max)  // section length: -1, not given
        bytes.appendLE32(28)
    }

    /// Adds an interface of `linkType` with nanosecond timestamps; returns its id.
    @discardableResult
    public mutating func addInterface(linkType: LinkType, snapshotLength: UInt32 = PcapStoreLimits.snapshotLength) -> UInt32 {
        let length: UInt32 = 32
        bytes.appendLE32(Self.interfaceDescriptionBlock)
        bytes.appendLE32(length)
        bytes.appendLE16(UInt16(truncatingIfNeeded: linkType.rawValue))
        bytes.appendLE16(0)
        bytes.appendLE32(snapshotLength)
        bytes.appendLE16(Self.optionTimestampResolution); bytes.appendLE16(1)
        bytes.append(9); bytes.append(0); bytes.append(0); bytes.append(0)
        bytes.appendLE16(Self.optionEnd); bytes.appendLE16(0)
        bytes.appendLE32(length)
        interfaces.append(linkType)
        return UInt32(interfaces.count - 1)
    }

    /// Appends one packet on `interface` (nanoseconds since the epoch).
    public mutating func append(interface: UInt32, timestamp: Int64, frame: UnsafeRawBufferPointer, wireLength: Int) {
        let padded = (frame.count + 3) & ~3
        let length = UInt32(truncatingIfNeeded: Self.enhancedPacketOverhead + padded)
        let ticks = UInt64(bitPattern: timestamp)
        bytes.appendLE32(Self.enhancedPacketBlock)
        bytes.appendLE32(length)
        bytes.appendLE32(interface)
        bytes.appendLE32(UInt32(truncatingIfNeeded: ticks >> 32))
        bytes.appendLE32(UInt32(truncatingIfNeeded: ticks))
        bytes.appendLE32(UInt32(truncatingIfNeeded: frame.count))
        bytes.appendLE32(UInt32(truncatingIfNeeded: wireLength))
        bytes.append(contentsOf: frame)
        for _ in frame.count..<padded { bytes.append(0) }
        bytes.appendLE32(length)
    }

    public mutating func append(interface: UInt32, timestamp: Int64, frame: [UInt8], wireLength: Int? = nil) {
        frame.withUnsafeBytes { append(interface: interface, timestamp: timestamp, frame: $0, wireLength: wireLength ?? $0.count) }
    }

    /// The bytes so far; the writer keeps going with an empty buffer.
    public mutating func take() -> [UInt8] {
        defer { bytes.removeAll(keepingCapacity: true) }
        return bytes
    }
}
