import Capture
import Dissection
import Foundation
import Sensor
import TestSupport
import Testing
import Wire

/// One frame as `PcapFileReader` delivers it, copied.
struct ReadFrame: Equatable {
    var number: UInt64
    var timestamp: Int64
    var wireLength: Int
    var linkType: LinkType
    var bytes: [UInt8]
}

func readAll(_ path: String) throws -> (frames: [ReadFrame], failed: Bool) {
    let reader = try PcapFileReader(path: path)
    var out: [ReadFrame] = []
    while true {
        switch reader.next() {
        case .frame(let f):
            out.append(ReadFrame(number: f.number, timestamp: f.timestamp, wireLength: f.wireLength,
                                 linkType: f.linkType, bytes: Array(f.bytes)))
        case .end: return (out, false)
        case .failed: return (out, true)
        }
    }
}

/// Runs a file and checks everything the messaging contract promises about
/// what came out; returns what was received.
@discardableResult
func runAndCheck(_ path: String, lanes: Int, limits: FrameBatcher.Limits = .init(frames: 64, bytes: 64 << 10),
                 watermarkInterval: Int64 = 1_000_000_000) throws -> (FileCaptureRun.Summary, Received) {
    var run = FileCaptureRun(configuration: .init(lanes: lanes, batchLimits: limits, watermarkInterval: watermarkInterval))
    var received = Received(lanes: lanes)
    let summary = try run.run(path: path, captureID: 4242) { lane, envelope in
        try received.add(lane: lane, envelope)
    }
    let (reference, failed) = (try? readAll(path)) ?? ([], true)
    let shard = FlowShard(lanes: lanes)
    let name = (path as NSString).lastPathComponent

    #expect(summary.isComplete == !failed, "\(name)")
    #expect(summary.frames == UInt64(reference.count), "\(name)")
    #expect(summary.capturedBytes == reference.reduce(0) { $0 + UInt64($1.bytes.count) }, "\(name)")

    // Per lane: exactly the frames the shard picks, byte for byte, in order.
    for lane in 0 ..< lanes {
        let expected = reference.filter { f in
            f.bytes.withUnsafeBytes { shard.lane(for: $0, linkType: f.linkType, wireLength: f.wireLength) } == lane
        }
        let got = received.batches[lane].flatMap { batch in
            batch.map { ReadFrame(number: $0.number, timestamp: $0.timestamp, wireLength: $0.wireLength,
                                  linkType: $0.linkType, bytes: Array($0.bytes)) }
        }
        #expect(got == expected, "\(name) lane \(lane): \(got.count) frames, expected \(expected.count)")
        #expect(summary.framesPerLane[lane] == UInt64(expected.count))
        #expect(received.batches[lane].allSatisfy { $0.captureID == 4242 && $0.count <= limits.frames })

        // Contiguous sequences from 1 on one producer; the end marker last.
        let envelopes = received.envelopes[lane]
        #expect(envelopes.map(\.header.sequence) == Array(1 ... UInt64(envelopes.count)), "\(name) lane \(lane)")
        #expect(Set(envelopes.map(\.header.producer)).count == 1)
        guard case .end(let end) = received.messages[lane].last else {
            Issue.record("\(name) lane \(lane): no end marker last")
            continue
        }
        #expect(end.captureID == 4242 && end.frameCount == UInt64(reference.count))
        #expect(end.outcome == (failed ? .failed : .complete))
        #expect(received.messages[lane].dropLast().allSatisfy { if case .end = $0 { false } else { true } })

        // The start marker first; then watermarks rise, and every frame at
        // or below one was already sent on this lane.
        guard case .watermark(let start) = received.messages[lane].first, start.throughFrame == 0 else {
            Issue.record("\(name) lane \(lane): no start marker first")
            continue
        }
        var sentThrough = 0
        var lastMark: UInt64 = 0
        for message in received.messages[lane].dropFirst() {
            switch message {
            case .frames(let batch): sentThrough += batch.count
            case .watermark(let mark):
                #expect(mark.throughFrame >= lastMark)
                lastMark = mark.throughFrame
                #expect(sentThrough == expected.filter { $0.number <= mark.throughFrame }.count, "\(name) lane \(lane)")
                let latest = reference.filter { $0.number <= mark.throughFrame }.map(\.timestamp).max()
                #expect(mark.packetTime == latest)
            default: break
            }
        }
    }
    // Every frame number exactly once across lanes.
    let numbers = received.batches.flatMap { $0.flatMap { $0.map(\.number) } }.sorted()
    #expect(numbers == reference.map(\.number), "\(name)")
    return (summary, received)
}

@Suite struct FileCaptureRunTests {
    @Test(.enabled(if: SharedPcaps.directory != nil,
                   "shared captures not found at <package root>/../shared/pcaps and NETSIFT_SHARED is unset; skipping"),
          arguments: SharedPcaps.captures)
    func sharedCapture(path: String) throws {
        for lanes in [1, 3] {
            try runAndCheck(path, lanes: lanes)
        }
    }

    @Test func sharedCapturesWereFound() {
        if SharedPcaps.directory == nil {
            print("SensorTests: shared captures not found (<package root>/../shared/pcaps or NETSIFT_SHARED); skipping them")
        } else {
            #expect(SharedPcaps.captures.count > 10)
        }
    }

    /// A hand-built capture: two flows in both directions, a fragmented
    /// datagram, an ICMP error about one flow, ARP, with timestamps spread
    /// over seconds so watermarks fire.
    @Test func builtCaptureKeepsFlowsTogether() throws {
        let a = "10.0.0.1", b = "10.0.0.2", c = "172.16.5.9", d = "192.168.77.3", router = "10.9.9.9"
        let eth = Build.ethernet(type: 0x0800)
        let udp = Build.udp(sport: 7000, dport: 53, payload: Build.bytes(40))
        let original = Build.ipv4(src: c, dst: d, proto: 17, payload: Build.udp(sport: 33000, dport: 33434))
        let frames: [[UInt8]] = [
            eth + Build.ipv4(src: a, dst: b, proto: 6, payload: Build.tcp()),
            eth + Build.ipv4(src: c, dst: d, proto: 17, payload: Build.udp(sport: 33000, dport: 33434)),
            eth + Build.ipv4(src: b, dst: a, proto: 6, payload: Build.tcp(sport: 80, dport: 40000, flags: 0x12)),
            eth + Build.ipv4(src: a, dst: b, proto: 17, payload: Array(udp[0 ..< 24]), id: 9, moreFragments: true),
            Build.ethernet(type: 0x0806) + Build.bytes(28),
            eth + Build.ipv4(src: router, dst: c, proto: 1, payload: Build.icmp(type: 11, payload: Array(original.prefix(28)))),
            eth + Build.ipv4(src: a, dst: b, proto: 17, payload: Array(udp[24...]), id: 9, fragmentOffset: 24),
            eth + Build.ipv4(src: d, dst: c, proto: 17, payload: Build.udp(sport: 33434, dport: 33000)),
        ]
        var writer = PcapWriter(linkType: .ethernet)
        for (i, f) in frames.enumerated() { writer.append(timestamp: 1_600_000_000_000_000_000 + Int64(i) * 700_000_000, frame: f) }
        let path = try temporaryFile("built", writer.bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }

        for lanes in [2, 4, 8] {
            let (summary, received) = try runAndCheck(path, lanes: lanes, limits: .init(frames: 2, bytes: 1 << 20))
            func laneOf(_ n: UInt64) -> Int? {
                received.batches.firstIndex { $0.contains { $0.contains { $0.number == n } } }
            }
            let ab = laneOf(1)
            for n: UInt64 in [3, 4, 7] { #expect(laneOf(n) == ab, "frame \(n), lanes \(lanes)") }
            let cd = laneOf(2)
            for n: UInt64 in [6, 8] { #expect(laneOf(n) == cd, "frame \(n), lanes \(lanes)") }
            #expect(laneOf(5) == 0, "ARP")
            #expect(summary.watermarks == 3 * lanes, "every 1 s of packet time over 4.9 s")
            #expect(summary.frames == 8 && summary.isComplete)
        }
    }

    @Test func truncatedFileEndsFailedWithTheGoodFrames() throws {
        var writer = PcapWriter(linkType: .raw)
        for i in 0 ..< 10 {
            writer.append(timestamp: Int64(i), frame: Build.ipv4(src: "10.0.0.\(i + 1)", dst: "10.0.1.1", proto: 17,
                                                                 payload: Build.udp(payload: Build.bytes(30))))
        }
        let path = try temporaryFile("cut", Array(writer.bytes.dropLast(20)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (summary, received) = try runAndCheck(path, lanes: 3)
        #expect(summary.frames == 9)
        #expect(summary.failure != nil)
        for lane in 0 ..< 3 {
            guard case .end(let end) = received.messages[lane].last else { Issue.record("no end"); continue }
            #expect(end.outcome == .failed && end.frameCount == 9 && !end.reason.isEmpty)
        }
    }

    @Test func unreadableFileSendsAStartAndAFailedEndOnly() throws {
        let path = try temporaryFile("junk", Array("not a capture at all, just text".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var run = FileCaptureRun(configuration: .init(lanes: 2))
        var got: [(Int, Message)] = []
        let summary = try run.run(path: path, captureID: 1) { lane, e in got.append((lane, try Message(e))) }
        #expect(summary.failure?.kind == .open)
        #expect(got.count == 4)
        for (i, (lane, message)) in got.prefix(2).enumerated() {
            #expect(lane == i)
            guard case .watermark(let start) = message else { Issue.record("not a start marker"); continue }
            #expect(start.throughFrame == 0)
        }
        for (i, (lane, message)) in got.dropFirst(2).enumerated() {
            #expect(lane == i)
            guard case .end(let end) = message else { Issue.record("not an end marker"); continue }
            #expect(end.frameCount == 0 && end.outcome == .failed)
        }
    }

    @Test func producersCarryOverBetweenFilesAndEmitErrorsStopTheRun() throws {
        var writer = PcapWriter(linkType: .raw)
        for i in 0 ..< 50 { writer.append(timestamp: Int64(i), frame: Build.ipv4(src: "10.0.0.\(i % 5 + 1)", dst: "10.0.1.1", proto: 6, payload: Build.tcp())) }
        let path = try temporaryFile("two", writer.bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var run = FileCaptureRun(configuration: .init(lanes: 2, batchLimits: .init(frames: 8)))
        var sequences: [[UInt64]] = [[], []]
        for capture: UInt64 in [1, 2] {
            _ = run.run(path: path, captureID: capture) { lane, e in sequences[lane].append(e.header.sequence) }
        }
        for lane in 0 ..< 2 { #expect(sequences[lane] == Array(1 ... UInt64(sequences[lane].count))) }
        #expect(run.producers.map(\.nextSequence) == sequences.map { UInt64($0.count) + 1 })

        struct Stop: Error {}
        var emitted = 0
        #expect(throws: Stop.self) {
            _ = try run.run(path: path, captureID: 3) { _, _ in
                emitted += 1
                if emitted == 3 { throw Stop() }
            }
        }
        #expect(emitted == 3)
    }
}

/// The pieces together, as the sensor service will use them: a run's
/// envelopes recorded in an `UnackedBuffer`, a decoder that goes away, a
/// re-send, and file mode waiting on a full buffer.
@Suite struct SensorFlowTests {
    func capture(_ frames: Int) throws -> String {
        var writer = PcapWriter(linkType: .raw)
        for i in 0 ..< frames {
            writer.append(timestamp: Int64(i) * 10_000_000, frame: Build.ipv4(
                src: "10.0.\(i % 7).\(i % 13 + 1)", dst: "192.0.2.\(i % 3 + 1)", proto: 17,
                payload: Build.udp(sport: UInt16(1000 + i % 50), payload: Build.bytes(i % 200))))
        }
        return try temporaryFile("flow", writer.bytes)
    }

    @Test func resendAfterReconnectCoversExactlyTheUnacked() throws {
        let path = try capture(500)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var run = FileCaptureRun(configuration: .init(lanes: 3, batchLimits: .init(frames: 16)))
        var buffer = UnackedBuffer(producers: run.producers.map(\.id))
        var sent: [[Envelope]] = [[], [], []]
        _ = run.run(path: path, captureID: 1) { lane, e in
            sent[lane].append(e)
            buffer.record(e, lane: lane)
        }
        // Storage committed every other message of lane 0 and the first half of lane 1.
        let producers = run.producers.map(\.id)
        let odd = sent[0].map(\.header.sequence).filter { $0 % 2 == 1 }
        buffer.acknowledge(Ack(producer: producers[0], ranges: odd.map { $0 ... $0 }))
        buffer.acknowledge(Ack(producer: producers[1], through: UInt64(sent[1].count / 2)))
        #expect(buffer.resend(lane: 0) == sent[0].filter { $0.header.sequence % 2 == 0 })
        #expect(buffer.resend(lane: 1) == Array(sent[1][(sent[1].count / 2)...]))
        #expect(buffer.resend(lane: 2) == sent[2])
    }
}
