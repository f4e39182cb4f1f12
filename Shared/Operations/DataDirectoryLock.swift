import Foundation

/// An exclusive lock on a data directory (`DATA/netsift.lock`, flock), held
/// by `netsift up` for as long as it runs: a second `up` on the same data
/// directory fails at once, naming the holder. The kernel drops the lock
/// when its holder dies, however it dies.
public final class DataDirectoryLock {
    private let descriptor: Int32
    public let path: String

    public static func file(in dataDirectory: String) -> String { dataDirectory + "/netsift.lock" }

    public init(dataDirectory: String) throws(OperationsError) {
        path = Self.file(in: dataDirectory)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .failed(what: "open \(path)", reason: String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.holder(of: fd)
            close(fd)
            throw .failed(what: "start NetSift for \(dataDirectory)",
                          reason: "it is already up" + (holder.map { " (pid \($0))" } ?? "")
                              + "; stop it with: netsift down --data \(dataDirectory)")
        }
        descriptor = fd
        let pid = Data("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    deinit { close(descriptor) }

    /// Whether some process holds the lock of `dataDirectory` (its pid when it wrote one).
    public static func holder(dataDirectory: String) -> Int32?? {
        let fd = open(file(in: dataDirectory), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .none }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return .none
        }
        return .some(holder(of: fd))
    }

    private static func holder(of fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer.prefix(count), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
