import Capture

/// A frame copied out of the reader (its bytes are borrowed only until the
/// next call), plus how a read loop ended.
struct CapturedFrame: Sendable, Equatable {
    var number: UInt64
    var timestamp: Int64
    var bytes: [UInt8]

    init(_ frame: Frame) {
        number = frame.number
        timestamp = frame.timestamp
        bytes = Array(frame.bytes)
    }
}

struct CaptureLoopResult: Sendable {
    var frames: [CapturedFrame] = []
    var stop: Stop = .deadline

    enum Stop: Sendable, Equatable {
        /// The expected count was reached and then a read timed out (no extras).
        case complete
        case deadline
        case end
        case failed(String)
    }
}

extension PcapLiveReader {
    /// Reads until `count` frames plus one quiet read timeout, `.end`, a
    /// failure, or `deadline` (only a guard against hanging).
    func collect(count: Int, deadline: ContinuousClock.Instant) -> CaptureLoopResult {
        var result = CaptureLoopResult()
        while ContinuousClock.now < deadline {
            switch next() {
            case .frame(let frame):
                result.frames.append(CapturedFrame(frame))
            case .timeout:
                if result.frames.count >= count {
                    result.stop = .complete
                    return result
                }
            case .end:
                result.stop = .end
                return result
            case .failed(let error):
                result.stop = .failed(error.description)
                return result
            }
        }
        return result
    }
}
