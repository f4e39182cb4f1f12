import CPcap
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dissection

/// Captures from a network interface through libpcap, with nanosecond
/// timestamps where the platform has them (microseconds × 1000 otherwise).
/// Frames are numbered from 1 in arrival order; the filter runs in the
/// kernel, so the numbers count the frames that passed it.
///
/// libpcap runs non-blocking and `next()` waits itself, in poll(2) on the
/// capture socket and a wake-up pipe: libpcap 1.10 on Linux never returns
/// from a blocking read on a quiet interface (it polls again after each
/// read timeout, or forever with TPACKET_V3), so neither `.timeout` nor a
/// prompt `breakLoop()` would be possible otherwise.
///
/// One thread reads (`next()`, `statistics()`). The class is
/// `@unchecked Sendable` for one reason: `breakLoop()` must be callable from
/// another thread to stop that reader. It only writes a byte to the wake-up
/// pipe and calls `pcap_breakloop`, which libpcap documents as safe from
/// another thread or a signal handler; the caller's reference keeps the
/// handle open meanwhile. No other method may be called concurrently.
public final class PcapLiveReader: @unchecked Sendable {
    public let interface: String
    public let linkType: LinkType
    public let snapshotLength: Int
    /// pcap_activate's warnings (e.g. promiscuous mode unsupported) and a
    /// note when nanosecond timestamps were unavailable.
    public let warnings: [String]
    private let handle: OpaquePointer
    private let socket: Int32
    private let wakePipe: WakePipe
    private let timeout: Duration
    /// Multiplies the fractional part of a timestamp into nanoseconds.
    private let fractionScale: Int64
    private var frameNumber: UInt64 = 0
    private var ended = false

    public enum Next {
        case frame(Frame)
        /// No frame within the read timeout; the loop can check for shutdown.
        case timeout
        /// `breakLoop()` was called; every later call returns `.end` too.
        case end
        /// The capture broke (e.g. the interface went away).
        case failed(CaptureError)
    }

    public init(interface: String, options: LiveCaptureOptions = LiveCaptureOptions()) throws(CaptureError) {
        self.interface = interface
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let h = pcap_create(interface, &errbuf) else {
            throw CaptureError(kind: .open, path: interface, message: PcapText.errorBuffer(errbuf))
        }
        let setup: PcapLiveSetup.Result
        let pipe: WakePipe
        do throws(CaptureError) {
            setup = try PcapLiveSetup(handle: h, interface: interface, options: options).run()
            pipe = try WakePipe(for: interface)
        } catch {
            pcap_close(h)
            throw error
        }
        handle = h
        socket = setup.selectableDescriptor
        wakePipe = pipe
        warnings = setup.warnings
        fractionScale = setup.nanosecondTimestamps ? 1 : 1000
        timeout = .milliseconds(max(options.timeoutMilliseconds, 1))
        linkType = LinkType(dlt: pcap_datalink(h))
        snapshotLength = Int(pcap_snapshot(h))
    }

    deinit {
        pcap_close(handle)
        wakePipe.closeBoth()
    }

    /// The next frame; its bytes live until the next call.
    public func next() -> Next {
        if ended { return .end }
        let deadline = ContinuousClock.now + timeout
        while true {
            if let result = readReady() { return result }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { return .timeout }
            var fds = [pollfd(fd: socket, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wakePipe.readEnd, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, 2, Self.pollMilliseconds(remaining)) < 0, errno != EINTR {
                return .failed(CaptureError(kind: .read, path: interface, message: String(cString: strerror(errno))))
            }
            if fds[1].revents != 0 {
                ended = true
                return .end
            }
            // The socket is ready (a frame, or an error libpcap reports), or
            // the wait ran out: read again, then check the deadline.
        }
    }

    /// A frame already in the ring, `.end`, a failure, or nil for none yet.
    private func readReady() -> Next? {
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        switch pcap_next_ex(handle, &header, &data) {
        case 1:
            guard let header, let data else { return nil }
            frameNumber += 1
            let h = header.pointee
            let ts = Int64(h.ts.tv_sec) &* 1_000_000_000 &+ Int64(h.ts.tv_usec) &* fractionScale
            let bytes = UnsafeRawBufferPointer(start: data, count: Int(h.caplen))
            return .frame(Frame(number: frameNumber, timestamp: ts, wireLength: Int(h.len),
                                linkType: linkType, bytes: bytes))
        case 0:
            return nil
        case PCAP_ERROR_BREAK:
            ended = true
            return .end
        default:
            return .failed(CaptureError(kind: .read, path: interface, message: PcapText.lastError(handle)))
        }
    }

    /// poll(2)'s timeout for what is left, rounded up so the wait never ends early.
    private static func pollMilliseconds(_ remaining: Duration) -> Int32 {
        let (seconds, attoseconds) = remaining.components
        return Int32(clamping: seconds &* 1000 &+ attoseconds / 1_000_000_000_000_000 &+ 1)
    }

    /// Makes a `next()` in progress on another thread (or the next one)
    /// return `.end`. Safe to call from any thread; see the type's comment.
    public func breakLoop() {
        pcap_breakloop(handle)
        wakePipe.wake()
    }

    /// Counters since the capture was opened, or nil if libpcap has none.
    public func statistics() -> LiveCaptureStatistics? {
        var stats = pcap_stat()
        guard pcap_stats(handle, &stats) == 0 else { return nil }
        return LiveCaptureStatistics(received: UInt64(stats.ps_recv), droppedByKernel: UInt64(stats.ps_drop),
                                     droppedByInterface: UInt64(stats.ps_ifdrop))
    }
}
