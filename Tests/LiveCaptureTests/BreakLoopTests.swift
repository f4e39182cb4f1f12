import TestSupport
import Capture
import Foundation
import Testing

@Suite struct BreakLoopTests {
    /// A filter nothing on loopback matches and a read timeout far longer
    /// than the test waits: only `breakLoop()` can make `next()` return.
    @Test(.enabled(if: LiveEnvironment.isRoot, LiveEnvironment.rootMessage))
    func breakLoopEndsABlockedReader() throws {
        let options = LiveCaptureOptions(timeoutMilliseconds: 30_000, filter: "udp and host 203.0.113.77")
        let reader = try PcapLiveReader(interface: "lo", options: options)
        let run = ThreadRun { () -> String in
            switch reader.next() {
            case .frame: "frame"
            case .timeout: "timeout"
            case .end: "end"
            case .failed(let error): "failed: \(error)"
            }
        }
        Thread.sleep(forTimeInterval: 0.3)   // let the reader block in poll
        reader.breakLoop()
        // Well inside the 30 s read timeout: the break woke the blocked poll.
        let outcome = try #require(run.wait(seconds: 10), "the reader did not return after breakLoop()")
        #expect(outcome == "end")
        guard case .end = reader.next() else {
            Issue.record("a broken reader keeps returning .end")
            return
        }
    }

    /// libpcap alone would block here forever (TPACKET_V3) or keep polling
    /// past the timeout (TPACKET_V2); the reader's own wait returns.
    @Test(.enabled(if: LiveEnvironment.isRoot, LiveEnvironment.rootMessage), arguments: [true, false])
    func quietInterfaceTimesOut(immediate: Bool) throws {
        let options = LiveCaptureOptions(immediate: immediate, timeoutMilliseconds: 50,
                                         filter: "udp and host 203.0.113.77")
        let reader = try PcapLiveReader(interface: "lo", options: options)
        let run = ThreadRun { () -> Bool in
            if case .timeout = reader.next() { return true }
            return false
        }
        let outcome = run.wait(seconds: 10)
        #expect(outcome == true, "next() should return .timeout within its read timeout")
    }
}
