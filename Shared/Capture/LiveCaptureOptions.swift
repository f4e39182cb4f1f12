/// How `PcapLiveReader` opens an interface. The defaults suit a sensor:
/// whole frames, every frame on the segment, a kernel ring large enough for
/// bursts, and frames delivered as they arrive.
public struct LiveCaptureOptions: Sendable, Hashable {
    /// Bytes kept per frame; 262144 is what tcpdump and tshark use.
    public var snapLength: Int = 262_144
    public var promiscuous: Bool = true
    /// The kernel ring; 32 MiB absorbs about 25 ms of a saturated 10 Gb/s link.
    public var bufferBytes: Int = 32 << 20
    /// Deliver each frame at once instead of batching up to the timeout.
    public var immediate: Bool = true
    /// How long `next()` waits before returning `.timeout`, so a loop can
    /// check for shutdown. Must be above zero (zero means "wait forever"
    /// to libpcap on some platforms).
    public var timeoutMilliseconds: Int = 100
    /// A BPF expression applied in the kernel; nil or empty captures all.
    public var filter: String? = nil

    public init(snapLength: Int = 262_144, promiscuous: Bool = true, bufferBytes: Int = 32 << 20,
                immediate: Bool = true, timeoutMilliseconds: Int = 100, filter: String? = nil) {
        self.snapLength = snapLength
        self.promiscuous = promiscuous
        self.bufferBytes = bufferBytes
        self.immediate = immediate
        self.timeoutMilliseconds = timeoutMilliseconds
        self.filter = filter
    }
}
