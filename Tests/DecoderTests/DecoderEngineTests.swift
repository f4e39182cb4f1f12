import Capture
import Decoder
import Dissection
import Dump
import Foundation
import PostgresClient
import Records
import Sensor
import TestSupport
import Testing
import Wire

/// A small capture of two TCP flows and a UDP exchange, as pcap bytes.
private func sampleCapture() -> [UInt8] {
    var writer = PcapWriter(linkType: .raw)
    for i in 0 ..< 60 {
        let forward = i % 2 == 0
        let frame: [UInt8]
        switch i % 3 {
        case 0: frame = Build.ipv4(src: forward ? "10.0.0.1" : "10.0.0.2", dst: forward ? "10.0.0.2" : "10.0.0.1",
                                   proto: 6, payload: forward ? Build.tcp() : Build.tcp(sport: 80, dport: 40000, flags: 0x12))
        case 1: frame = Build.ipv4(src: "10.0.0.3", dst: "10.0.0.4", proto: 17, payload: Build.udp(payload: Build.bytes(20)))
        default: frame = Build.ipv4(src: "10.0.0.5", dst: "10.0.0.6", proto: 6, payload: Build.tcp())
        }
        writer.append(timestamp: 1_700_000_000_000_000_000 + Int64(i) * 100_000_000, frame: frame)
    }
    return writer.bytes
}

/// The sensor's messages for one lane of the sample capture.
private func sensorMessages(captureID: UInt64 = 9) throws -> [Envelope] {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("decoder-\(UUID()).pcap").path
    FileManager.default.createFile(atPath: path, contents: Data(sampleCapture()))
    defer { try? FileManager.default.removeItem(atPath: path) }
    var run = FileCaptureRun(configuration: .init(lanes: 1, batchLimits: .init(frames: 7), watermarkInterval: 1_000_000_000))
    var out: [Envelope] = []
    _ = run.run(path: path, captureID: captureID) { _, envelope in out.append(envelope) }
    return out
}

private func decodeAll(_ envelopes: [Envelope], into engine: inout DecoderEngine) throws -> [RecordsMessage] {
    var out: [Envelope] = []
    for envelope in envelopes { out += try engine.receive(envelope) }
    out += engine.flush()
    return try out.map { try RecordsMessage($0) }
}

/// Final flow totals by key, and every frame number, from output batches.
private func summary(_ batches: [RecordsMessage]) -> (flows: [UInt64: UInt64], frames: [UInt64], ends: [CaptureEnd]) {
    var flows: [UInt64: UInt64] = [:]
    for flow in batches.flatMap(\.flows) { flows[flow.flowKey] = flow.fromSource.packets + flow.fromDestination.packets }
    return (flows, batches.flatMap(\.packets).map(\.frameNumber), batches.flatMap(\.ends))
}

@Suite struct DecoderEngineTests {
    @Test func decodesALaneIntoRecordsWithFramesCoversAndTheEnd() throws {
        let messages = try sensorMessages()
        var engine = DecoderEngine(limits: .init(packets: 16))
        let batches = try decodeAll(messages, into: &engine)
        let (flows, frames, ends) = summary(batches)
        #expect(frames == Array(1 ... 60))
        #expect(flows.count == 3 && flows.values.reduce(0, +) == 60)
        #expect(ends == [CaptureEnd(captureID: 9, frameCount: 60)])
        // Each batch's frames are its packet rows' frames, byte for byte in number.
        for batch in batches where !batch.packets.isEmpty {
            #expect(batch.frames?.map(\.number) == batch.packets.map(\.frameNumber))
        }
        // Together the covers name every sensor sequence once.
        let covered = batches.flatMap(\.covers).flatMap { Array($0.first ... $0.last) }
        #expect(covered == Array(1 ... UInt64(messages.count)))
        // A batch closes once it reaches 16 packets: at most one input batch (7) past 15.
        #expect(batches.allSatisfy { $0.packets.count <= 15 + 7 })
    }

    @Test func resentAndOutOfOrderMessagesAreIgnored() throws {
        let messages = try sensorMessages()
        var clean = DecoderEngine()
        let expected = summary(try decodeAll(messages, into: &clean))

        var engine = DecoderEngine()
        var shuffled = Array(messages.prefix(5))
        shuffled += [messages[2], messages[3]]            // re-sent
        shuffled.append(messages[7])                      // after a gap: waits
        shuffled += messages[5...]                        // the rest, in order
        let got = summary(try decodeAll(shuffled, into: &engine))
        #expect(got.frames == expected.frames)
        #expect(got.flows == expected.flows)
        #expect(engine.counters.duplicates == 2)
        #expect(engine.counters.outOfOrder == 1)
    }

    @Test func aRestartedDecoderJoinsOnlyAtTheCaptureStart() throws {
        let messages = try sensorMessages()
        var clean = DecoderEngine()
        let expected = summary(try decodeAll(messages, into: &clean))

        // The new decoder first sees the middle of the capture, then the
        // sensor's replay from the start marker.
        var restarted = DecoderEngine()
        let got = summary(try decodeAll(Array(messages[4...]) + messages, into: &restarted))
        #expect(restarted.counters.awaitingStart == messages.count - 4)
        #expect(got.frames == expected.frames)
        #expect(got.flows == expected.flows, "same flow keys and totals as a clean run")
    }

    @Test func sensorControlMessagesAreRefused() throws {
        var engine = DecoderEngine()
        let control = ControlMessage(.startCapture(sensorID: UUID(), sensorName: "probe", source: "eth0", runID: nil))
            .envelope(producer: UUID(), sequence: 1)
        let error = #expect(throws: WireError.self) { try engine.receive(control) }
        #expect(error?.kind == .unexpectedType)
        #expect(engine.counters == DecoderEngine().counters, "a refused message changes nothing")
    }
}

@Suite struct SequenceRangesTests {
    @Test func mergesAdjacentAndOverlapping() {
        var set = SequenceRanges()
        set.insert(5 ... 7)
        set.insert(1 ... 2)
        set.insert(3 ... 4)
        #expect(set.ranges == [1 ... 7])
        set.insert(10 ... 12)
        set.insert(20 ... 20)
        #expect(set.ranges == [1 ... 7, 10 ... 12, 20 ... 20])
        set.insert(6 ... 15)
        #expect(set.ranges == [1 ... 15, 20 ... 20])
        #expect(set.contiguous(from: 1) == 15)
        #expect(set.contiguous(from: 16) == 15)
        #expect(set.contains(20) && !set.contains(16))
        set.removeBelow(12)
        #expect(set.ranges == [12 ... 15, 20 ... 20])
    }

    @Test func agreesWithASetOnRandomInput() {
        var rng = SplitMix64(seed: 42)
        for _ in 0 ..< 200 {
            var set = SequenceRanges()
            var reference = Set<UInt64>()
            for _ in 0 ..< 20 {
                let low = rng.next() % 60
                let high = low + rng.next() % 6
                set.insert(low ... high)
                reference.formUnion(low ... high)
            }
            for value in 0 ..< UInt64(70) { #expect(set.contains(value) == reference.contains(value)) }
            for (a, b) in zip(set.ranges, set.ranges.dropFirst()) { #expect(a.upperBound + 1 < b.lowerBound) }
        }
    }
}

/// The application layer inside the decoder service: the events two
/// decoders send storage (through `records.v1`) are the transactions
/// `netsift dump --json` prints for the same capture.
@Suite(.enabled(if: SharedCaptures.available, SharedCaptures.skipMessage))
struct DecoderEventsTests {
    /// On a thread of its own: decoding a capture through the engine in a
    /// debug build takes more stack than a cooperative pool thread has.
    @Test(arguments: ["dns", "http", "tls", "dhcp", "icmp"])
    func twoDecodersSendTheEventsDumpPrints(folder: String) async throws {
        let (compared, differing) = try await DedicatedThread.run { try Self.compare(folder: folder) }
        #expect(differing.isEmpty, "events differ from netsift dump's in \(differing)")
        #expect(compared > 0, "no events in \(folder)")
    }

    /// The events compared in one folder's captures, and the captures where they differ.
    private static func compare(folder: String) throws -> (compared: Int, differing: [String]) {
        var compared = 0
        var differing: [String] = []
        for path in SharedCaptures.captures(in: folder) {
            var run = FileCaptureRun(configuration: .init(lanes: 2, batchLimits: .init(frames: 5),
                                                          watermarkInterval: 1_000_000_000))
            var lanes: [[Envelope]] = [[], []]
            _ = run.run(path: path, captureID: 1) { lane, envelope in lanes[lane].append(envelope) }
            var stored: [String] = []
            for lane in lanes {
                var engine = DecoderEngine(limits: .init(packets: 8))
                for batch in try decodeAll(lane, into: &engine) {
                    stored += batch.events.map { String(decoding: EventDocument.bytes($0), as: UTF8.self) }
                }
            }
            let printed = try dumpedEvents(path)
            if stored.sorted() != printed.sorted() { differing.append((path as NSString).lastPathComponent) }
            compared += printed.count
        }
        return (compared, differing)
    }

    /// The L7 objects of `netsift dump --json` (capture 1, one file).
    private static func dumpedEvents(_ path: String) throws -> [String] {
        var options = DumpOptions()
        options.format = .json
        let outPath = NSTemporaryDirectory() + "decoder-events-\(UUID().uuidString).out"
        let fd = open(outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        defer { unlink(outPath) }
        var output = Output(descriptor: fd)
        _ = try Dump.run(path: path, options: options, output: &output)
        output.flush()
        close(fd)
        return try String(contentsOfFile: outPath, encoding: .utf8).split(separator: "\n").map(String.init)
            .filter { !$0.contains(#""dataset":"packet""#) && !$0.contains(#""dataset":"flow""#) }
    }
}
