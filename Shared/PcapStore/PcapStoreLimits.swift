/// Named limits of the pcap store, each with its reason.
public enum PcapStoreLimits {
    /// Largest captured length written or read back: libpcap's
    /// MAXIMUM_SNAPLEN, the most libpcap and tshark accept in a record.
    public static let maxCapturedLength = 262_144
    /// Snapshot length written in every segment's and export's header.
    public static let snapshotLength: UInt32 = 262_144
    /// Largest run of adjacent records an export reads with one pread: big
    /// enough to amortise the system call, small enough to stay bounded.
    public static let maxExportRunBytes = 4 << 20
    /// Bytes an export collects before handing them to its sink.
    public static let exportChunkBytes = 1 << 20
    /// Bytes the recovery scan reads at a time.
    public static let scanChunkBytes = 1 << 20
}
