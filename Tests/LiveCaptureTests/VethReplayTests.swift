import Capture
import Dissection
import Foundation
import Testing
import TestSupport

/// Replays a pcap with tcpreplay into one end of a veth pair and captures
/// it on the other with `PcapLiveReader`.
@Suite(.serialized) struct VethReplayTests {
    static let frameCount = 2000

    /// Frame `i` (from 1): Ethernet/IPv4/UDP with `i` in the IP id and the
    /// payload, so every captured frame can be matched to the one sent.
    static func frame(_ i: Int) -> [UInt8] {
        let payload = be32(UInt32(i)) + Build.bytes(32, start: UInt8(truncatingIfNeeded: i))
        let udp = Build.udp(sport: 40000, dport: 9999, payload: payload)
        return Build.ethernet(type: 0x0800) + Build.ipv4(proto: 17, payload: udp, id: UInt16(truncatingIfNeeded: i))
    }

    static func writeCapture(frames: [[UInt8]]) throws -> String {
        var writer = PcapWriter(linkType: .ethernet)
        for (index, frame) in frames.enumerated() {
            writer.append(timestamp: 1_700_000_000_000_000_000 + Int64(index) * 200_000, frame: frame)
        }
        let path = NSTemporaryDirectory() + "netsift-live-\(getpid())-\(UUID().uuidString).pcap"
        try Data(writer.bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Immediate mode (TPACKET_V2, frame by frame) and buffered mode
    /// (TPACKET_V3, blocks handed over at the read timeout).
    @Test(.enabled(if: LiveEnvironment.canReplay, LiveEnvironment.vethMessage), arguments: [true, false])
    func capturesEveryReplayedFrame(immediate: Bool) throws {
        let ip = try #require(LiveEnvironment.ip)
        let sysctl = try #require(LiveEnvironment.sysctl)
        let tcpreplay = try #require(LiveEnvironment.tcpreplay)
        let sent = (1...Self.frameCount).map(Self.frame)
        let file = try Self.writeCapture(frames: sent)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let veth = try VethPair(ip: ip, sysctl: sysctl, tag: "\(getpid())\(immediate ? "i" : "b")")
        defer { veth.remove() }

        let options = LiveCaptureOptions(immediate: immediate, filter: "udp")
        let reader = try PcapLiveReader(interface: veth.captureEnd, options: options)
        #expect(reader.linkType == .ethernet)
        #expect(reader.warnings.isEmpty, "\(reader.warnings)")
        let deadline = ContinuousClock.now + .seconds(60)
        let count = Self.frameCount
        let run = ThreadRun { reader.collect(count: count, deadline: deadline) }

        let before = LiveEnvironment.now()
        let replay: String
        do {
            replay = try veth.inNamespace([tcpreplay, "--pps", "5000", "-i", veth.sendEnd, file])
        } catch {
            reader.breakLoop()   // don't leave the capture thread waiting for its deadline
            _ = run.wait(seconds: 5)
            throw error
        }
        let after = LiveEnvironment.now()
        guard let result = run.wait(seconds: 90) else {
            reader.breakLoop()
            _ = run.wait(seconds: 5)
            Issue.record("the capture thread did not finish")
            return
        }

        #expect(result.stop == .complete, "tcpreplay said: \(replay)")
        #expect(result.frames.count == Self.frameCount)
        #expect(result.frames.map(\.number) == (1...UInt64(result.frames.count)).map { $0 })
        #expect(result.frames.map(\.bytes) == Array(sent.prefix(result.frames.count)))
        let timestamps = result.frames.map(\.timestamp)
        #expect(zip(timestamps, timestamps.dropFirst()).allSatisfy { $0 < $1 }, "timestamps must increase")
        if let first = timestamps.first, let last = timestamps.last {
            let slack: Int64 = 2_000_000_000
            #expect(first >= before - slack && last <= after + slack,
                    "timestamps \(first)…\(last) outside the replay \(before)…\(after)")
        }
        let stats = try #require(reader.statistics())
        #expect(stats.droppedByKernel == 0)
        #expect(stats.received >= UInt64(Self.frameCount))
        print("live capture on \(veth.captureEnd), immediate \(immediate): \(result.frames.count) frames, \(stats)")
    }
}
