import Foundation

/// What a `Range` header asks of a file of known size (RFC 9110 §14.2):
/// one range of bytes, the whole file (no header, a unit other than bytes,
/// several ranges or a malformed one, which a server may ignore), or nothing
/// it holds.
enum ByteRange: Equatable, Sendable {
    case whole
    case part(ClosedRange<UInt64>)
    case unsatisfiable

    init(header: String?, size: UInt64) {
        guard let header else { self = .whole; return }
        let text = header.trimmingCharacters(in: .whitespaces)
        guard text.lowercased().hasPrefix("bytes="), !text.contains(",") else { self = .whole; return }
        let spec = text.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        guard let dash = spec.firstIndex(of: "-") else { self = .whole; return }
        let first = spec[..<dash], last = spec[spec.index(after: dash)...]
        switch (Self.number(first), Self.number(last)) {
        case (nil, let suffix?) where first.isEmpty:
            // `bytes=-n`: the last n bytes.
            self = suffix == 0 || size == 0 ? .unsatisfiable : .part(size - min(suffix, size) ... size - 1)
        case (let start?, nil) where last.isEmpty:
            self = start < size ? .part(start ... size - 1) : .unsatisfiable
        case (let start?, let end?) where start <= end:
            self = start < size ? .part(start ... min(end, size - 1)) : .unsatisfiable
        default:
            self = .whole
        }
    }

    /// Digits only (no sign, no spaces); nil for anything else or beyond `UInt64`.
    private static func number(_ text: Substring) -> UInt64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains($0) }) else {
            return nil
        }
        return UInt64(text)
    }
}

/// Where a download's bytes go when only a range of them is asked: each
/// piece of the file, in order, is cut to the range; what lies before is
/// dropped and nothing is written past its end.
struct ByteRangeCutter: Sendable {
    let range: ClosedRange<UInt64>
    /// The file's bytes seen so far.
    private(set) var offset: UInt64 = 0

    init(_ range: ClosedRange<UInt64>) {
        self.range = range
    }

    /// Whether the range has been written whole.
    var isDone: Bool { offset > range.upperBound }

    /// Passes over bytes of the file that were never encoded (before the range).
    mutating func skip(_ bytes: UInt64) {
        offset += bytes
    }

    /// The part of `piece` (the file's next bytes) inside the range, if any.
    mutating func cut(_ piece: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        let start = offset, end = offset + UInt64(piece.count)
        offset = end
        let from = max(start, range.lowerBound), to = min(end, range.upperBound + 1)
        guard from < to else { return nil }
        let base = piece.startIndex
        return piece[base + Int(from - start) ..< base + Int(to - start)]
    }
}
