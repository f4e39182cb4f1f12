import Dissection

/// One captured frame, borrowed from the reader: `bytes` is valid only until
/// the reader's next call.
public struct Frame {
    /// 1-based position in its capture (tshark's `frame.number`).
    public var number: UInt64
    /// Nanoseconds since the Unix epoch, UTC.
    public var timestamp: Int64
    public var capturedLength: Int
    public var wireLength: Int
    public var linkType: LinkType
    public var bytes: UnsafeRawBufferPointer

    public init(number: UInt64, timestamp: Int64, wireLength: Int, linkType: LinkType, bytes: UnsafeRawBufferPointer) {
        self.number = number
        self.timestamp = timestamp
        self.capturedLength = bytes.count
        self.wireLength = wireLength
        self.linkType = linkType
        self.bytes = bytes
    }
}

public struct CaptureError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case open, filter, read, write }
    public var kind: Kind
    public var path: String
    public var message: String

    public var description: String {
        switch kind {
        case .open: "cannot open \(path): \(message)"
        case .filter: "bad filter for \(path): \(message)"
        case .read: "error reading \(path): \(message)"
        case .write: "cannot write \(path): \(message)"
        }
    }
}
