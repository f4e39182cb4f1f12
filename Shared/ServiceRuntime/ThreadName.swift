#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Names the calling thread as `top -H` and `ps -L` show it. Foundation's
/// `Thread.name` does not reliably reach the OS thread on Linux, so this
/// writes the name directly.
enum ThreadName {
    static func setCurrent(_ name: String) {
        #if os(Linux)
        let fd = open("/proc/thread-self/comm", O_WRONLY)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let bytes = Array(truncated(name).utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        #elseif canImport(Darwin)
        _ = pthread_setname_np(name)
        #endif
    }

    /// The calling thread's name, as the OS has it (Linux only; nil elsewhere).
    static func current() -> String? {
        #if os(Linux)
        let fd = open("/proc/thread-self/comm", O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self).trimmingSuffix("\n")
        #else
        return nil
        #endif
    }

    /// Linux keeps at most 15 bytes of a thread name; cut on a character boundary.
    static func truncated(_ name: String) -> String {
        var kept = String.UnicodeScalarView()
        var bytes = 0
        for scalar in name.unicodeScalars {
            bytes += UTF8.width(scalar)
            guard bytes <= 15 else { break }
            kept.append(scalar)
        }
        return String(kept)
    }
}

private extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
