#if canImport(Glibc)
import Glibc
#endif

/// What a path names. Capture files must be regular: libpcap reading a
/// FIFO waits for a writer and then for data, and a device or socket need
/// never end, so `netsift ingest`, `netsift dump` and the sensor refuse
/// anything else before reading it.
enum PathKind: Equatable, Sendable {
    case regular
    case directory
    /// Anything else, described ("a FIFO").
    case other(String)

    /// What `path` names, links followed; nil when nothing is there.
    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        self.init(mode: info.st_mode)
    }

    init(mode: mode_t) {
        switch mode & mode_t(S_IFMT) {
        case mode_t(S_IFREG): self = .regular
        case mode_t(S_IFDIR): self = .directory
        case mode_t(S_IFIFO): self = .other("a FIFO")
        case mode_t(S_IFSOCK): self = .other("a socket")
        case mode_t(S_IFCHR): self = .other("a character device")
        case mode_t(S_IFBLK): self = .other("a block device")
        default: self = .other("not a regular file")
        }
    }

    var what: String {
        switch self {
        case .regular: "a regular file"
        case .directory: "a directory"
        case .other(let what): what
        }
    }

    /// The refusal of a path of this kind where a capture file is expected.
    func refusal(_ path: String) -> CaptureError {
        CaptureError(kind: .open, path: path, message: "it is \(what); capture files must be regular files")
    }
}
