/// A capture's end as a decoder passes it on to storage: frames
/// 1…`frameCount` were sent; `failureReason` is set when the source broke
/// off (the frames sent are still good).
public struct CaptureEnd: Hashable, Sendable {
    public var captureID: UInt64
    public var frameCount: UInt64
    public var failureReason: String?

    public init(captureID: UInt64, frameCount: UInt64, failureReason: String? = nil) {
        self.captureID = captureID
        self.frameCount = frameCount
        self.failureReason = failureReason
    }
}
