/// A message that does not decode. Decoding never traps: every length and
/// count on the wire is checked against the bytes present and `WireLimits`.
public struct WireError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case truncated, trailingBytes, limitExceeded, invalidValue
            case unknownType, unexpectedType, unsupportedVersion, frameCount
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A field runs past the end of its frame.
        public static let truncated = Kind(.truncated)
        /// Bytes left over after the last field of a frame.
        public static let trailingBytes = Kind(.trailingBytes)
        /// A count or length above the receiver's `WireLimits`.
        public static let limitExceeded = Kind(.limitExceeded)
        /// A field outside its allowed values (reserved bits, unordered ranges, bad UTF-8, ...).
        public static let invalidValue = Kind(.invalidValue)
        /// A type frame naming no type this receiver knows.
        public static let unknownType = Kind(.unknownType)
        /// A well-formed message of another type than the one asked for.
        public static let unexpectedType = Kind(.unexpectedType)
        /// A header version this receiver does not read.
        public static let unsupportedVersion = Kind(.unsupportedVersion)
        /// Too few or too many frames for the message type.
        public static let frameCount = Kind(.frameCount)

        public var description: String { "\(base)" }
    }

    public let kind: Kind
    /// Where: "header", "frames.v1 frame 3 captured length", ...
    public let context: String

    public init(_ kind: Kind, _ context: String) {
        self.kind = kind
        self.context = context
    }

    public var description: String { "\(kind): \(context)" }
}
