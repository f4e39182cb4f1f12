/// Every failure of the pcap store: a code to switch on, the file, the byte
/// offset when one applies, and a message for logs.
public struct PcapStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong. A struct over a private enum so codes can be added
    /// without breaking exhaustive switches in callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: Hashable, Sendable {
            case io, segmentMissing, badFileHeader, corruptRecordHeader, positionOutOfBounds
            case recordMismatch, badPosition, frameTooLarge, timestampOutOfRange, dayMismatch
            case shorterThanCommitted, writerFailed
        }
        fileprivate let base: Base
        fileprivate init(_ base: Base) { self.base = base }

        /// A system call failed (open, write, fsync, …); `message` has strerror.
        public static let io = Code(.io)
        /// The segment file a position names does not exist (retention deleted it?).
        public static let segmentMissing = Code(.segmentMissing)
        /// The file does not start with a nanosecond pcap header of the expected linktype.
        public static let badFileHeader = Code(.badFileHeader)
        /// A record header's lengths or nanoseconds are impossible (caplen above the
        /// limit, nanoseconds ≥ 10^9): the segment is corrupt at `offset`.
        public static let corruptRecordHeader = Code(.corruptRecordHeader)
        /// A position points before the first record or past the end of the file.
        public static let positionOutOfBounds = Code(.positionOutOfBounds)
        /// The record header at a position disagrees with the position's length.
        public static let recordMismatch = Code(.recordMismatch)
        /// A position's own length is impossible (shorter than a record header or
        /// above the captured-length limit).
        public static let badPosition = Code(.badPosition)
        /// A frame longer than `PcapStoreLimits.maxCapturedLength`.
        public static let frameTooLarge = Code(.frameTooLarge)
        /// pcap keeps seconds as an unsigned 32-bit number: 1970 … 2106.
        public static let timestampOutOfRange = Code(.timestampOutOfRange)
        /// `append(key:…)` with a timestamp outside the key's UTC day.
        public static let dayMismatch = Code(.dayMismatch)
        /// A segment is shorter than its committed length: committed data is gone.
        public static let shorterThanCommitted = Code(.shorterThanCommitted)
        /// An earlier write or fsync failed; the writer refuses further work, since
        /// after a failed fsync the page cache can no longer be trusted. Restart
        /// and recover from the committed lengths.
        public static let writerFailed = Code(.writerFailed)

        public var description: String {
            switch base {
            case .io: "io"
            case .segmentMissing: "segment_missing"
            case .badFileHeader: "bad_file_header"
            case .corruptRecordHeader: "corrupt_record_header"
            case .positionOutOfBounds: "position_out_of_bounds"
            case .recordMismatch: "record_mismatch"
            case .badPosition: "bad_position"
            case .frameTooLarge: "frame_too_large"
            case .timestampOutOfRange: "timestamp_out_of_range"
            case .dayMismatch: "day_mismatch"
            case .shorterThanCommitted: "shorter_than_committed"
            case .writerFailed: "writer_failed"
            }
        }
    }

    public var code: Code
    public var path: String
    public var offset: UInt64?
    public var message: String

    public init(_ code: Code, path: String, offset: UInt64? = nil, _ message: String) {
        self.code = code
        self.path = path
        self.offset = offset
        self.message = message
    }

    public var description: String {
        var text = "pcap store \(code): \(path)"
        if let offset { text += " at byte \(offset)" }
        if !message.isEmpty { text += ": \(message)" }
        return text
    }
}
