#if canImport(Glibc)
import Glibc
#endif

/// Wakes a thread blocked in `Poller.poll` from any other thread: a
/// non-blocking pipe whose read end the poller watches next to its sockets.
public final class WakeSignal: Sendable {
    /// The end to poll.
    public let fileDescriptor: Int32
    private let writeEnd: Int32

    /// Nil when the process is out of file descriptors.
    public init?() {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return nil }
        for fd in ends {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        fileDescriptor = ends[0]
        writeEnd = ends[1]
    }

    deinit {
        close(fileDescriptor)
        close(writeEnd)
    }

    /// A full pipe already wakes the poller, so a failed write is fine.
    public func signal() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Empties the pipe after a poll saw it.
    public func drain() {
        var bytes = [UInt8](repeating: 0, count: 256)
        while read(fileDescriptor, &bytes, bytes.count) > 0 {}
    }
}
