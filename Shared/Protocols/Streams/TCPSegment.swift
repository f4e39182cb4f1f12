/// One TCP segment as the reassembler needs it: which way it went, where it
/// sits in the sequence space, the flags that open and close a direction,
/// and its payload (borrowed: only out-of-order data is copied).
public struct TCPSegment {
    public var direction: Direction
    public var sequence: UInt32
    public var flags: Flags
    public var payload: UnsafeRawBufferPointer
    /// Payload bytes on the wire after the captured ones (a snap length cut them).
    public var uncapturedLength: Int
    public var time: Int64
    public var frame: UInt64

    public struct Flags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let fin = Flags(rawValue: 0x01)
        public static let syn = Flags(rawValue: 0x02)
        public static let rst = Flags(rawValue: 0x04)

        /// From the TCP header's flag bits (FIN 0x01, SYN 0x02, RST 0x04; the rest ignored).
        public init(tcpFlags: UInt16) { self.rawValue = UInt8(truncatingIfNeeded: tcpFlags) & 0x07 }
    }

    public init(direction: Direction, sequence: UInt32, flags: Flags = [], payload: UnsafeRawBufferPointer,
                uncapturedLength: Int = 0, time: Int64 = 0, frame: UInt64 = 0) {
        self.uncapturedLength = uncapturedLength
        self.direction = direction
        self.sequence = sequence
        self.flags = flags
        self.payload = payload
        self.time = time
        self.frame = frame
    }
}

/// What the reassembler hands on, in stream order per direction. `data`
/// borrows bytes that are valid only during the callback.
public struct StreamDelivery {
    public enum Kind {
        case data(UnsafeRawBufferPointer)
        /// `length` bytes of this direction are missing and will never come.
        case gap(Int)
        /// The direction ended (FIN reached, RST, or flushed at flow end).
        case end
    }

    public var direction: Direction
    public var kind: Kind
    /// Time and frame of the segment that made this delivery possible.
    public var time: Int64
    public var frame: UInt64
}
