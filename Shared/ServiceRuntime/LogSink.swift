import Foundation

/// Where finished log lines go. Standard error in services; a buffer in tests.
struct LogSink: Sendable {
    let write: @Sendable (String) -> Void

    /// One `write(2)` per line through FileHandle, so lines from different
    /// threads do not interleave.
    static let standardError = LogSink { line in
        try? FileHandle.standardError.write(contentsOf: Data(line.utf8))
    }
}
