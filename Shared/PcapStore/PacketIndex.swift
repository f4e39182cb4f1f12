#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dissection

/// What a packet index keeps about one stored frame: enough to find it,
/// list it as a PACKET and test the query language's packet fields without
/// reading the frame (docs/DATA.md, "Packet index").
public struct PacketIndexEntry: Hashable, Sendable {
    public var frameNumber: UInt64
    public var timestamp: Int64
    /// Nil outside any flow (non-IP frames, fragments still waiting).
    public var flowKey: UInt64?
    public var anomalies: UInt64
    /// Byte offset of the frame's 16-byte pcap record header in the segment.
    public var offset: UInt64
    public var capturedLength: UInt32
    public var wireLength: UInt32
    /// AppPacCap's `L2l` … `L5l` (`L2t` is the segment's linktype).
    public var layers: PacketLayers
    public var source: IPAddress?
    public var destination: IPAddress?
    public var sourcePort: UInt16?
    public var destinationPort: UInt16?
    public var vlans: VLANStack

    public init(frameNumber: UInt64, timestamp: Int64 = 0, flowKey: UInt64? = nil, anomalies: UInt64 = 0,
                offset: UInt64 = 0, capturedLength: UInt32 = 0, wireLength: UInt32 = 0,
                layers: PacketLayers = PacketLayers(), source: IPAddress? = nil, destination: IPAddress? = nil,
                sourcePort: UInt16? = nil, destinationPort: UInt16? = nil, vlans: VLANStack = VLANStack()) {
        self.frameNumber = frameNumber
        self.timestamp = timestamp
        self.flowKey = flowKey
        self.anomalies = anomalies
        self.offset = offset
        self.capturedLength = capturedLength
        self.wireLength = wireLength
        self.layers = layers
        self.source = source
        self.destination = destination
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.vlans = vlans
    }
}

/// A frame's layer offsets and lengths: bytes from the start of the captured
/// frame, 0 where the layer is absent (docs/DATA.md, "Layer fields").
public struct PacketLayers: Hashable, Sendable {
    public var l2Length: UInt32 = 0
    public var l3Type: UInt16 = 0
    public var l3Offset: UInt32 = 0
    public var l3Length: UInt32 = 0
    public var l4Type: UInt8 = 0
    public var l4Offset: UInt32 = 0
    public var l4Length: UInt32 = 0
    public var l5Offset: UInt32 = 0
    public var l5Length: UInt32 = 0

    public init(l2Length: UInt32 = 0, l3Type: UInt16 = 0, l3Offset: UInt32 = 0, l3Length: UInt32 = 0,
                l4Type: UInt8 = 0, l4Offset: UInt32 = 0, l4Length: UInt32 = 0,
                l5Offset: UInt32 = 0, l5Length: UInt32 = 0) {
        self.l2Length = l2Length
        self.l3Type = l3Type
        self.l3Offset = l3Offset
        self.l3Length = l3Length
        self.l4Type = l4Type
        self.l4Offset = l4Offset
        self.l4Length = l4Length
        self.l5Offset = l5Offset
        self.l5Length = l5Length
    }
}

/// The index file beside each segment (`…-<seq>.pidx`): a 16-byte header,
/// then one fixed-width little-endian record per frame in the order the
/// frames were appended. Fixed width makes record *n* sit at
/// `headerLength + n × recordLength`, so a committed record count is a
/// committed length, cut back at start-up like the segment's.
///
/// Header: magic `NSPI`, version (UInt16, 1), record length (UInt16, 128),
/// linktype (UInt32), reserved (UInt32, zero). Record:
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 8 | frame number |
/// | 8 | 8 | timestamp, ns (Int64) |
/// | 16 | 8 | flow key (0 when flag bit 0 is clear) |
/// | 24 | 8 | anomalies |
/// | 32 | 8 | offset of the pcap record header in the segment |
/// | 40 | 8 | captured length, wire length (UInt32 each) |
/// | 48 | 28 | `L2l`, `L3o`, `L3l`, `L4o`, `L4l`, `L5o`, `L5l` (UInt32 each) |
/// | 76 | 2 | `L3t` |
/// | 78 | 4 | source port, destination port (UInt16 each; 0 when absent) |
/// | 82 | 1 | `L4t` |
/// | 83 | 1 | flags: bit 0 flow key, 1 source port, 2 destination port; bits 3–7 zero |
/// | 84 | 1 | VLAN id count (≤ 4) |
/// | 85 | 2 | source and destination address family: 0 none, 4, 6 |
/// | 87 | 1 | reserved, zero |
/// | 88 | 8 | VLAN ids, 12 bits each, outermost in the high bits (`VLANStack.packed`) |
/// | 96 | 32 | source and destination address: high and low 64 bits each (IPv4 in the low 32) |
public enum PacketIndexFormat {
    public static let headerLength = 16
    public static let recordLength = 128
    static let magic: [UInt8] = Array("NSPI".utf8)
    static let version: UInt16 = 1

    static func fileHeader(linkType: LinkType) -> [UInt8] {
        var out = magic
        out.appendLE16(version)
        out.appendLE16(UInt16(recordLength))
        out.appendLE32(linkType.rawValue)
        out.appendLE32(0)
        return out
    }

    /// The linktype of a valid header, else nil.
    static func parseFileHeader(_ bytes: UnsafeRawBufferPointer) -> LinkType? {
        guard bytes.count >= headerLength, Array(bytes[0..<4]) == magic, bytes.le16(at: 4) == version,
              bytes.le16(at: 6) == UInt16(recordLength) else { return nil }
        return LinkType(rawValue: bytes.le32(at: 8))
    }

    /// The byte length of an index holding `records` records.
    public static func length(records: UInt64) -> UInt64 {
        UInt64(headerLength) + records * UInt64(recordLength)
    }

    /// Records in an index of `length` bytes (a torn final record not counted).
    public static func records(length: UInt64) -> UInt64 {
        length < UInt64(headerLength) ? 0 : (length - UInt64(headerLength)) / UInt64(recordLength)
    }

    /// Fills one record on the stack and appends it in one copy: storage
    /// writes one per packet.
    static func append(_ entry: PacketIndexEntry, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(byteCount: recordLength, alignment: 8) { raw in
            var at = 0
            func put<T: FixedWidthInteger>(_ value: T) {
                raw.storeBytes(of: value.littleEndian, toByteOffset: at, as: T.self)
                at += MemoryLayout<T>.size
            }
            put(entry.frameNumber)
            put(UInt64(bitPattern: entry.timestamp))
            put(entry.flowKey ?? 0)
            put(entry.anomalies)
            put(entry.offset)
            put(entry.capturedLength)
            put(entry.wireLength)
            let layers = entry.layers
            put(layers.l2Length)
            put(layers.l3Offset)
            put(layers.l3Length)
            put(layers.l4Offset)
            put(layers.l4Length)
            put(layers.l5Offset)
            put(layers.l5Length)
            put(layers.l3Type)
            put(entry.sourcePort ?? 0)
            put(entry.destinationPort ?? 0)
            put(layers.l4Type)
            var flags: UInt8 = 0
            if entry.flowKey != nil { flags |= 1 }
            if entry.sourcePort != nil { flags |= 2 }
            if entry.destinationPort != nil { flags |= 4 }
            put(flags)
            put(entry.vlans.count)
            put(family(entry.source))
            put(family(entry.destination))
            put(UInt8(0))
            put(entry.vlans.packed)
            put(entry.source?.high ?? 0)
            put(entry.source?.low ?? 0)
            put(entry.destination?.high ?? 0)
            put(entry.destination?.low ?? 0)
            assert(at == recordLength)
            out.append(contentsOf: UnsafeRawBufferPointer(raw))
        }
    }

    static func family(_ address: IPAddress?) -> UInt8 {
        address.map { $0.isIPv6 ? 6 : 4 } ?? 0
    }

    /// The address at `index` of family `family`; nil for 0, and for an
    /// impossible family or IPv4 value (the caller rejects the record).
    static func address(_ bytes: UnsafeRawBufferPointer, at index: Int, family: UInt8) -> IPAddress?? {
        let high = bytes.le64(at: index), low = bytes.le64(at: index + 8)
        switch family {
        case 0: return .some(nil)
        case 4: return high == 0 && low >> 32 == 0 ? .some(IPAddress(v4: UInt32(low))) : nil
        case 6: return .some(IPAddress(v6High: high, v6Low: low))
        default: return nil
        }
    }

    /// The record at `index` (the caller guarantees `recordLength` bytes);
    /// nil when reserved bits are set or a count, family or address is impossible.
    /// The record's flow key, read without decoding the rest; nil when it has none.
    static func flowKey(_ bytes: UnsafeRawBufferPointer, at index: Int) -> UInt64? {
        bytes[index + 83] & 1 == 0 ? nil : bytes.le64(at: index + 16)
    }

    static func entry(_ bytes: UnsafeRawBufferPointer, at index: Int) -> PacketIndexEntry? {
        let flags = bytes[index + 83]
        let vlanCount = bytes[index + 84]
        guard flags & 0xF8 == 0, vlanCount <= UInt8(VLANStack.capacity), bytes[index + 87] == 0,
              let source = address(bytes, at: index + 96, family: bytes[index + 85]),
              let destination = address(bytes, at: index + 112, family: bytes[index + 86]) else { return nil }
        var vlans = VLANStack()
        let packed = bytes.le64(at: index + 88)
        for slot in 0..<Int(vlanCount) {
            _ = vlans.push(UInt16(truncatingIfNeeded: packed >> UInt64(48 - 16 * slot)))
        }
        let layers = PacketLayers(
            l2Length: bytes.le32(at: index + 48), l3Type: bytes.le16(at: index + 76),
            l3Offset: bytes.le32(at: index + 52), l3Length: bytes.le32(at: index + 56),
            l4Type: bytes[index + 82], l4Offset: bytes.le32(at: index + 60), l4Length: bytes.le32(at: index + 64),
            l5Offset: bytes.le32(at: index + 68), l5Length: bytes.le32(at: index + 72))
        return PacketIndexEntry(
            frameNumber: bytes.le64(at: index), timestamp: Int64(bitPattern: bytes.le64(at: index + 8)),
            flowKey: flags & 1 != 0 ? bytes.le64(at: index + 16) : nil, anomalies: bytes.le64(at: index + 24),
            offset: bytes.le64(at: index + 32), capturedLength: bytes.le32(at: index + 40),
            wireLength: bytes.le32(at: index + 44), layers: layers, source: source, destination: destination,
            sourcePort: flags & 2 != 0 ? bytes.le16(at: index + 78) : nil,
            destinationPort: flags & 4 != 0 ? bytes.le16(at: index + 80) : nil, vlans: vlans)
    }
}

extension UnsafeRawBufferPointer {
    func le64(at index: Int) -> UInt64 {
        UInt64(le32(at: index)) | UInt64(le32(at: index + 4)) << 32
    }
}

/// Index files written from scratch, a record at a time: for segments
/// stored before the index existed (`LegacyPackets` in Storage).
public struct PacketIndexFiles {
    private struct File {
        var fd: Int32
        var path: String
        var pending: [UInt8]
        var written: UInt64
        var records: UInt64
    }

    let root: String
    private var files: [SegmentID: File] = [:]
    static let bufferBytes = 1 << 20

    public init(root: String) {
        self.root = root
    }

    /// Appends an entry to the segment's index, which the first append
    /// creates (replacing any); returns the record's number.
    public mutating func append(_ entry: PacketIndexEntry, to segment: SegmentID) throws(PcapStoreError) -> UInt64 {
        if files[segment] == nil {
            let path = root + "/" + segment.indexRelativePath
            let fd = try Posix.openFile(path, O_WRONLY | O_CREAT | O_TRUNC)
            files[segment] = File(fd: fd, path: path, pending: PacketIndexFormat.fileHeader(linkType: segment.key.linkType),
                                  written: 0, records: 0)
        }
        guard var file = files[segment] else { return 0 }
        PacketIndexFormat.append(entry, to: &file.pending)
        let record = file.records
        file.records += 1
        if file.pending.count >= Self.bufferBytes { try Self.write(&file) }
        files[segment] = file
        return record
    }

    /// Writes what is buffered and syncs every file and its directory;
    /// returns each file's length.
    public mutating func sync() throws(PcapStoreError) -> [SegmentID: UInt64] {
        var lengths: [SegmentID: UInt64] = [:]
        for (segment, var file) in files {
            try Self.write(&file)
            try Posix.syncData(file.fd, path: file.path)
            try Posix.syncDirectory(root + "/" + segment.directory)
            files[segment] = file
            lengths[segment] = file.written
        }
        return lengths
    }

    public mutating func close() {
        for file in files.values { Posix.closeFile(file.fd) }
        files.removeAll()
    }

    private static func write(_ file: inout File) throws(PcapStoreError) {
        guard !file.pending.isEmpty else { return }
        try Posix.writeAll(file.fd, file.pending, at: file.written, path: file.path)
        file.written += UInt64(file.pending.count)
        file.pending.removeAll(keepingCapacity: true)
    }
}
