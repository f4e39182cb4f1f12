#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few system calls the store makes, each retrying EINTR and turning
/// failure into a `PcapStoreError`.
enum Posix {
    static func message(_ err: Int32) -> String { String(cString: strerror(err)) }

    static func openFile(_ path: String, _ flags: Int32, mode: mode_t = 0o600) throws(PcapStoreError) -> Int32 {
        while true {
            let fd = open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            let err = errno
            if err == EINTR { continue }
            throw PcapStoreError(err == ENOENT ? .segmentMissing : .io, path: path, "open: \(message(err))")
        }
    }

    /// Creates a file that must not exist yet; nil when it does.
    static func createExclusive(_ path: String) throws(PcapStoreError) -> Int32? {
        while true {
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 { return fd }
            let err = errno
            if err == EINTR { continue }
            if err == EEXIST { return nil }
            throw PcapStoreError(.io, path: path, "create: \(message(err))")
        }
    }

    static func closeFile(_ fd: Int32) { _ = close(fd) }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: UInt64, path: String) throws(PcapStoreError) {
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, base + done, bytes.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                let err = errno
                if err == EINTR { continue }
                throw PcapStoreError(.io, path: path, offset: offset + UInt64(done), "write: \(message(err))")
            }
            done += n
        }
    }

    /// `writeAll(_:_:at:path:)` of a whole array.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], at offset: UInt64, path: String) throws(PcapStoreError) {
        let result: Result<Void, PcapStoreError> = bytes.withUnsafeBytes { raw in
            do throws(PcapStoreError) {
                return .success(try writeAll(fd, raw, at: offset, path: path))
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    /// Reads up to `buffer.count` bytes at `offset`; fewer only at end of file.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64, path: String) throws(PcapStoreError) -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var done = 0
        while done < buffer.count {
            let n = pread(fd, base + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                let err = errno
                if err == EINTR { continue }
                throw PcapStoreError(.io, path: path, offset: offset + UInt64(done), "read: \(message(err))")
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// `read(_:into:at:path:)` over the whole of an array.
    static func read(_ fd: Int32, into bytes: inout [UInt8], at offset: UInt64, path: String) throws(PcapStoreError) -> Int {
        let result: Result<Int, PcapStoreError> = bytes.withUnsafeMutableBytes { raw in
            do throws(PcapStoreError) {
                return .success(try read(fd, into: raw, at: offset, path: path))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    static func size(_ fd: Int32, path: String) throws(PcapStoreError) -> UInt64 {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw PcapStoreError(.io, path: path, "fstat: \(message(errno))") }
        return UInt64(st.st_size)
    }

    static func size(of path: String) -> UInt64? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return UInt64(st.st_size)
    }

    static func syncData(_ fd: Int32, path: String) throws(PcapStoreError) {
        while fdatasync(fd) != 0 {
            let err = errno
            if err == EINTR { continue }
            throw PcapStoreError(.io, path: path, "fdatasync: \(message(err))")
        }
    }

    static func truncate(_ fd: Int32, to length: UInt64, path: String) throws(PcapStoreError) {
        while ftruncate(fd, off_t(length)) != 0 {
            let err = errno
            if err == EINTR { continue }
            throw PcapStoreError(.io, path: path, "ftruncate: \(message(err))")
        }
    }

    /// fsync of a directory, so a file created (or removed) in it survives a crash.
    static func syncDirectory(_ path: String) throws(PcapStoreError) {
        let fd = try openFile(path, O_RDONLY | O_DIRECTORY)
        defer { closeFile(fd) }
        while fsync(fd) != 0 {
            let err = errno
            if err == EINTR { continue }
            throw PcapStoreError(.io, path: path, "fsync directory: \(message(err))")
        }
    }

    /// mkdir; true when it created the directory, false when it existed.
    static func makeDirectory(_ path: String) throws(PcapStoreError) -> Bool {
        if mkdir(path, 0o700) == 0 { return true }
        let err = errno
        if err == EEXIST { return false }
        throw PcapStoreError(.io, path: path, "mkdir: \(message(err))")
    }

    static func remove(_ path: String) throws(PcapStoreError) {
        guard unlink(path) == 0 else {
            let err = errno
            if err == ENOENT { return }
            throw PcapStoreError(.io, path: path, "unlink: \(message(err))")
        }
    }

    /// Removes an empty directory; false when it is not empty or gone.
    @discardableResult
    static func removeDirectoryIfEmpty(_ path: String) -> Bool { rmdir(path) == 0 }

    /// Names in a directory (no `.`/`..`); empty when it cannot be read.
    static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
