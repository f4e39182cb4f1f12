import CPcap
#if canImport(Glibc)
import Glibc
#endif
import Dissection

/// Reads a pcap or pcapng file through libpcap with nanosecond timestamps.
/// Frames are numbered from 1 in file order; an optional BPF filter is
/// applied per frame so numbering stays that of the file.
public final class PcapFileReader {
    public let path: String
    public let linkType: LinkType
    public let snapshotLength: Int
    private let handle: OpaquePointer
    private var filter: bpf_program?
    private var frameNumber: UInt64 = 0
    private let readBuffer: UnsafeMutablePointer<CChar>
    static let readBufferSize = 1 << 16

    public enum Next {
        case frame(Frame)
        case end
        /// The file stops mid-record (or is otherwise unreadable from here);
        /// frames before it were delivered.
        case failed(CaptureError)
    }

    public init(path: String, filter expression: String? = nil) throws(CaptureError) {
        self.path = path
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        let file = try Self.openRegularFile(path)
        // libpcap reads through stdio, 4 KiB at a time by default. 64 KiB
        // cut system time by a third on the benchmark capture; 256 KiB and
        // 1 MiB were slower (they spill the L2 cache). glibc ignores the
        // size unless it is given the buffer, so the reader owns one.
        readBuffer = .allocate(capacity: Self.readBufferSize)
        setvbuf(file, readBuffer, _IOFBF, Self.readBufferSize)
        guard let h = pcap_fopen_offline_with_tstamp_precision(file, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errbuf) else {
            fclose(file)
            readBuffer.deallocate()
            throw CaptureError(kind: .open, path: path, message: String(cString: errbuf))
        }
        handle = h
        linkType = LinkType(dlt: pcap_datalink(h))
        snapshotLength = Int(pcap_snapshot(h))
        if let expression, !expression.isEmpty {
            var program = bpf_program()
            if pcap_compile(h, &program, expression, 1, PCAP_NETMASK_UNKNOWN) != 0 {
                let message = String(cString: pcap_geterr(h))
                throw CaptureError(kind: .filter, path: path, message: message)
            }
            filter = program
        }
    }

    /// Opens `path` without blocking (a FIFO would wait for a writer), and
    /// only if it is a regular file.
    private static func openRegularFile(_ path: String) throws(CaptureError) -> UnsafeMutablePointer<FILE> {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw CaptureError(kind: .open, path: path, message: String(cString: strerror(errno))) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw CaptureError(kind: .open, path: path, message: message)
        }
        let kind = PathKind(mode: info.st_mode)
        guard kind == .regular else {
            close(fd)
            throw kind.refusal(path)
        }
        guard fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == 0, let file = fdopen(fd, "rb") else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw CaptureError(kind: .open, path: path, message: message)
        }
        return file
    }

    deinit {
        if var program = filter { pcap_freecode(&program) }
        pcap_close(handle)
        readBuffer.deallocate()
    }

    /// The next frame that passes the filter; its bytes live until the next call.
    public func next() -> Next {
        while true {
            var header: UnsafeMutablePointer<pcap_pkthdr>?
            var data: UnsafePointer<UInt8>?
            let rc = pcap_next_ex(handle, &header, &data)
            switch rc {
            case 1:
                guard let header, let data else { continue }
                frameNumber += 1
                if var program = filter, pcap_offline_filter(&program, header, data) == 0 { continue }
                let h = header.pointee
                let ts = Int64(h.ts.tv_sec) &* 1_000_000_000 &+ Int64(h.ts.tv_usec)
                let bytes = UnsafeRawBufferPointer(start: data, count: Int(h.caplen))
                return .frame(Frame(number: frameNumber, timestamp: ts, wireLength: Int(h.len),
                                    linkType: linkType, bytes: bytes))
            case PCAP_ERROR_BREAK:
                return .end
            default:
                return .failed(CaptureError(kind: .read, path: path, message: String(cString: pcap_geterr(handle))))
            }
        }
    }
}
