/// pcap_stats(3PCAP) for a live capture, cumulative since it was opened.
/// On Linux `received` counts frames that passed the filter, including those
/// the kernel then dropped because the ring was full.
public struct LiveCaptureStatistics: Sendable, Hashable {
    public var received: UInt64
    /// `ps_drop`: no room in the kernel ring (the reader fell behind).
    public var droppedByKernel: UInt64
    /// `ps_ifdrop`: dropped by the interface or its driver.
    public var droppedByInterface: UInt64

    public init(received: UInt64, droppedByKernel: UInt64, droppedByInterface: UInt64) {
        self.received = received
        self.droppedByKernel = droppedByKernel
        self.droppedByInterface = droppedByInterface
    }
}
