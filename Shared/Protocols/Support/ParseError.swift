/// Why a protocol parser stopped: the message is flagged with it and
/// decoding goes on; nothing in a payload can trap.
public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        /// The bytes end before the message does (a cut capture, a short datagram).
        case truncated
        /// A field contradicts the format (a length past its container, a pointer loop).
        case malformed
        /// A bound NetSift keeps (names, records, header sizes) was passed.
        case limitExceeded
    }

    public var kind: Kind
    /// Byte offset in the parsed buffer where the fault was found.
    public var offset: Int
    public var detail: String

    public init(_ kind: Kind, at offset: Int, _ detail: String) {
        self.kind = kind
        self.offset = offset
        self.detail = detail
    }

    public var description: String { "\(kind.rawValue) at \(offset): \(detail)" }
}
