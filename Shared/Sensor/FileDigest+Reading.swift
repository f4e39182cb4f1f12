import Crypto

#if canImport(Glibc)
import Glibc
#endif
import Wire

extension FileDigest {
    /// Bytes read at a time: large enough that the system calls cost
    /// nothing next to hashing, small enough to stay in the L2 cache.
    static let readSize = 1 << 20

    /// Hashes the file at `path` in one streaming pass (constant memory);
    /// nil when it cannot be opened or read to its end (its capture then
    /// fails with the reader's error, or stores no digest).
    public static func reading(path: String) -> FileDigest? {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: readSize, alignment: 16)
        defer { buffer.deallocate() }
        var hasher = SHA256()
        var size: UInt64 = 0
        while true {
            let count = read(descriptor, buffer.baseAddress, readSize)
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            size += UInt64(count)
        }
        let hex = hasher.finalize().reduce(into: "") { $0 += String($1 >> 4, radix: 16) + String($1 & 0x0f, radix: 16) }
        return FileDigest(sha256: hex, size: size)
    }
}
