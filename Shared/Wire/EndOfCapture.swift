import Foundation

/// `end.v1`: a capture is over; `frameCount` frames were sent, numbered
/// 1...frameCount. Payload (16 + 8 + reason bytes, little-endian):
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 8 | capture id (UInt64) |
/// | 8 | 8 | frame count (UInt64) |
/// | 16 | 1 | outcome: 0 complete, 1 failed (the frames sent are still good) |
/// | 17 | 3 | reserved, zero |
/// | 20 | 4 | reason length n (UInt32), 0 when complete |
/// | 24 | n | reason, UTF-8 |
public struct EndOfCapture: WireMessage {
    public static let type = MessageType(validated: "end.v1")

    public enum Outcome: UInt8, Hashable, Sendable {
        case complete = 0
        /// The source broke off (truncated file, read error, interface gone).
        case failed = 1
    }

    public var captureID: UInt64
    public var frameCount: UInt64
    public var outcome: Outcome
    public private(set) var reason: String

    /// `reason` is cut to `WireLimits.default.reasonLength` UTF-8 bytes at a
    /// character boundary.
    public init(captureID: UInt64, frameCount: UInt64, outcome: Outcome = .complete, reason: String = "") {
        self.captureID = captureID
        self.frameCount = frameCount
        self.outcome = outcome
        var reason = reason
        while reason.utf8.count > WireLimits.default.reasonLength { reason.removeLast() }
        self.reason = reason
    }

    public var itemCount: UInt32 { 1 }

    public func encodePayload() -> [UInt8] {
        let text = Array(reason.utf8)
        var w = WireWriter(capacity: 24 + text.count)
        w.uint64(captureID)
        w.uint64(frameCount)
        w.uint8(outcome.rawValue)
        w.zeros(3)
        w.uint32(UInt32(truncatingIfNeeded: text.count))
        w.append(text)
        return w.bytes
    }

    public init(payload: [UInt8], itemCount: UInt32, limits: WireLimits = .default) throws(WireError) {
        var r = WireReader(payload, context: "end.v1")
        guard itemCount == 1 else { throw r.error(.invalidValue, "item count \(itemCount), must be 1") }
        captureID = try r.uint64("capture id")
        frameCount = try r.uint64("frame count")
        let rawOutcome = try r.uint8("outcome")
        guard let outcome = Outcome(rawValue: rawOutcome) else { throw r.error(.invalidValue, "outcome \(rawOutcome)") }
        self.outcome = outcome
        try r.reserved(3, "bytes 17-19")
        let length = try r.uint32("reason length")
        guard length <= limits.reasonLength else {
            throw r.error(.limitExceeded, "reason length \(length); limit \(limits.reasonLength)")
        }
        let text = try r.slice(Int(length), "reason")
        guard let reason = String(bytes: text, encoding: .utf8) else { throw r.error(.invalidValue, "reason is not UTF-8") }
        self.reason = reason
        try r.expectEnd()
    }
}
