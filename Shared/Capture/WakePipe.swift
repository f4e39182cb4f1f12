#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A non-blocking pipe that `PcapLiveReader.next()` polls beside the capture
/// socket, so another thread can wake it. `wake()` is one write(2), which is
/// safe from any thread (and from a signal handler).
struct WakePipe: Sendable {
    let readEnd: Int32
    let writeEnd: Int32

    init(for interface: String) throws(CaptureError) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            throw CaptureError(kind: .open, path: interface,
                               message: "cannot create wake-up pipe: \(String(cString: strerror(errno)))")
        }
        readEnd = ends[0]
        writeEnd = ends[1]
        for fd in ends {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
    }

    /// Makes `readEnd` readable for good (nothing ever drains it). A full
    /// pipe is already readable, so a failed write loses nothing.
    func wake() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    func closeBoth() {
        _ = close(readEnd)
        _ = close(writeEnd)
    }
}
