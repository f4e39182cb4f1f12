/// The chain of custody of a file capture: the SHA-256 (64 lowercase hex
/// digits) and size in bytes of the file it was read from.
public struct FileDigest: Codable, Hashable, Sendable {
    public var sha256: String
    public var size: UInt64

    public init(sha256: String, size: UInt64) {
        self.sha256 = sha256
        self.size = size
    }
}
