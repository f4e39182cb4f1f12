import Capture
import CaptureDecoding
import Dissection
import Events
import Flows
import Foundation
import Protocols
import Records
import TestSupport
import Testing
import Wire

enum RecordSamples {
    static let decoder = UUID(uuidString: "11111111-2222-3333-4444-555555555555") ?? UUID()
    static let sensor = UUID(uuidString: "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE") ?? UUID()

    static var handBuilt: RecordBatch {
        var vlans = VLANStack()
        _ = vlans.push(100)
        _ = vlans.push(0x0fff)
        var anomalies = AnomalySet()
        anomalies.insert(.udpBadLength)
        let v4 = PacketRecord(captureID: 7, frameNumber: 1, timestamp: 1_700_000_000_123_456_789, capturedLength: 60,
                              wireLength: 60, linkType: 1, l2Length: 14, l3Type: 0x0800, l3Offset: 14, l3Length: 20,
                              l4Type: 6, l4Offset: 34, l4Length: 20, l5Offset: 54, l5Length: 6,
                              source: ip("192.0.2.1"), destination: ip("198.51.100.2"),
                              sourcePort: 40000, destinationPort: 80, vlans: vlans, anomalies: anomalies,
                              flowKey: 0xDEAD_BEEF, pcapPosition: PcapPosition(segmentID: 3, offset: 24))
        let v6 = PacketRecord(captureID: 7, frameNumber: 2, timestamp: -1, capturedLength: .max, wireLength: -5,
                              linkType: .max, l3Type: 0x86DD, l4Type: 58,
                              source: ip("2001:db8::1"), destination: ip("ff02::1"), flowKey: .max)
        let noIP = PacketRecord(captureID: 7, frameNumber: 3, timestamp: 0, capturedLength: 42, wireLength: 42,
                                linkType: 1, l2Length: 14, l3Type: 0x0806)
        let oneSided = PacketRecord(captureID: 7, frameNumber: 4, timestamp: 5, capturedLength: 1, wireLength: 1,
                                    linkType: 101, source: ip("10.0.0.1"), destinationPort: 9)
        let flow4 = FlowRecord(flowKey: 0xDEAD_BEEF, captureID: 7, communityID: "1:LQU9qZlK+B5F3KDmev6m5PMibrg=",
                               source: ip("192.0.2.1"), destination: ip("198.51.100.2"), protocolNumber: 6,
                               sourcePort: 40000, destinationPort: 80, vlans: vlans,
                               fromSource: FlowDirectionStats(packets: 3, capturedBytes: 180, wireBytes: 180, tcpFlags: 0x1B),
                               fromDestination: FlowDirectionStats(packets: 2, capturedBytes: 120, wireBytes: 9_000, tcpFlags: 0x12),
                               firstFrame: 1, start: 10, end: 20, isFinal: true, reason: .end)
        let flow6 = FlowRecord(flowKey: 1, captureID: 7, communityID: "", source: ip("2001:db8::1"),
                               destination: ip("ff02::1"), protocolNumber: 50, sourcePort: nil, destinationPort: nil,
                               fromSource: FlowDirectionStats(packets: 1), fromDestination: FlowDirectionStats(),
                               firstFrame: 2, start: -1, end: .max, isFinal: false, reason: .timeout)
        return RecordBatch(producer: decoder, sequence: 42,
                           covers: [SequenceRange(producer: sensor, first: 1, last: 10),
                                    SequenceRange(producer: decoder, first: 5, last: 5)],
                           packets: [v4, v6, noIP, oneSided], flows: [flow4, flow6, flow4],
                           ends: [CaptureEnd(captureID: 7, frameCount: 4),
                                  CaptureEnd(captureID: 8, frameCount: 0, failureReason: "cut short: tronqué")],
                           links: [FlowLink(captureID: 7, frame: 1, flowKey: .max), FlowLink(captureID: 7, frame: 3, flowKey: 0)],
                           events: events)
    }

    /// Events holding every kind of value, nested as DNS answers are.
    static var events: [EventRecord] {
        let answer: ProtocolField.Value = .object([ProtocolField("name", .string("example.com")),
                                                   ProtocolField("ttl", .integer(300)),
                                                   ProtocolField("data", .string("192.0.2.7"))])
        let dns = EventRecord(captureID: 7, sequence: 1, dataset: .dns, flowKey: 0xDEAD_BEEF,
                              communityID: "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", time: 1_700_000_000_123_456_789,
                              frames: [1, 2], fields: [
                                  ProtocolField("dns.question.name", .string("exämple.com")),
                                  ProtocolField("dns.id", .integer(-1)),
                                  ProtocolField("dns.flags.authoritative", .bool(true)),
                                  ProtocolField("event.start", .time(-5)),
                                  ProtocolField("dns.answers", .list([answer, answer])),
                                  ProtocolField("dns.resolved_ip", .list([])),
                                  ProtocolField("dns.nested", .list([.list([.object([])])])),
                                  ProtocolField("dns.question.subdomain", .null),
                              ])
        let http = EventRecord(captureID: 7, sequence: .max, dataset: .http, flowKey: .max, communityID: "", time: .min,
                               frames: [], fields: [ProtocolField("url.original", .string("/a\u{0}b\"c"))])
        let icmp = EventRecord(captureID: 8, sequence: 2, dataset: .icmp, flowKey: 0, communityID: "1:x", time: 0,
                               frames: [.max], fields: [])
        return [dns, http, icmp]
    }

    /// The hand-built batch with the frames its packet records describe.
    static var withFrames: RecordsMessage {
        let batch = handBuilt
        var frames = FrameBatch(captureID: 7)
        for packet in batch.packets {
            let bytes = (0 ..< min(Int(packet.capturedLength), 64)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            frames.append(number: packet.frameNumber, timestamp: packet.timestamp, wireLength: bytes.count,
                          linkType: LinkType(rawValue: packet.linkType), bytes: bytes)
        }
        return RecordsMessage(batch, frames: frames)
    }

    /// Every fixture capture decoded through a CaptureDecoder into a
    /// RecordCollector, once, on a thread of its own: in debug builds the
    /// decoding path runs deeper than a test-pool thread's stack allows.
    static let decoded: [RecordBatch] = onOwnThread {
        Fixtures.all.enumerated().map { i, capture in
            var decoder = CaptureDecoder(captureID: UInt64(i + 1))
            var collector = RecordCollector(captureID: UInt64(i + 1))
            collector.application = ApplicationFeed(config: ApplicationConfig())
            for (n, bytes) in capture.frames.enumerated() {
                bytes.withUnsafeBytes { raw in
                    let frame = Frame(number: UInt64(n + 1), timestamp: Int64(n) * 1_000_000, wireLength: bytes.count,
                                      linkType: capture.linkType, bytes: raw)
                    decoder.decode(frame, into: &collector)
                }
            }
            decoder.finish(into: &collector)
            collector.finishApplication()
            return collector.takeBatch(producer: Self.decoder,
                                       sequence: UInt64(i + 1),
                                       covers: [SequenceRange(producer: sensor, first: 1, last: UInt64(capture.frames.count))])
        }
    }

    static var all: [RecordBatch] {
        [handBuilt, RecordBatch(producer: decoder, sequence: 1)] + decoded
    }
}

@Suite struct RecordsMessageTests {
    @Test func roundTrip() throws {
        for batch in RecordSamples.all {
            let frames = batch.envelope.frames
            #expect(frames[0] == Array("records.v1".utf8))
            let envelope = try Envelope(frames: frames)
            #expect(envelope.header.itemCount == UInt32(batch.packets.count + batch.flows.count))
            let back = try RecordBatch(envelope)
            #expect(back == batch)
            guard case .records(let message) = try decode(frames) else {
                Issue.record("not decoded as records")
                continue
            }
            #expect(message.batch(producer: batch.producer, sequence: batch.sequence) == batch)
            #expect(message.envelope(producer: batch.producer, sequence: batch.sequence).frames == frames)
        }
    }

    @Test func framesSectionRoundTrips() throws {
        let message = RecordSamples.withFrames
        let envelope = message.envelope(producer: RecordSamples.decoder, sequence: 9)
        let back = try RecordsMessage(try Envelope(frames: envelope.frames))
        #expect(back == message)
        #expect(back.frames?.count == 4)
        #expect(back.frames.map { Array($0[2].bytes) } == message.frames.map { Array($0[2].bytes) })
        // Every prefix is a typed error, never a trap.
        let payload = envelope.payload[0]
        for n in stride(from: 0, to: payload.count, by: 3) {
            var cut = envelope
            cut.payload = [Array(payload.prefix(n))]
            #expect(throws: WireError.self) { try RecordsMessage(cut) }
        }
    }

    @Test func framesSectionMustMatchThePacketCount() throws {
        var message = RecordSamples.withFrames
        message.packets.removeLast()
        let envelope = message.envelope(producer: RecordSamples.decoder, sequence: 9)
        #expect(throws: WireError.self) { try RecordsMessage(envelope) }
    }

    @Test func decodedCapturesCoverTheCases() {
        let packets = RecordSamples.decoded.flatMap(\.packets)
        let flows = RecordSamples.decoded.flatMap(\.flows)
        #expect(packets.contains { $0.source?.isIPv6 == true })
        #expect(packets.contains { $0.source?.isIPv6 == false })
        #expect(packets.contains { $0.source == nil })
        #expect(packets.contains { $0.source != nil && $0.sourcePort == nil })
        #expect(packets.contains { $0.vlans.count > 0 })
        #expect(!flows.isEmpty)
    }

    /// Every byte prefix of every payload (and one extra byte) is a typed error.
    @Test func everyPrefixIsRefused() throws {
        var checked = 0
        for batch in RecordSamples.all {
            let frames = batch.envelope.frames
            for n in 0 ..< frames[2].count {
                var cut = frames
                cut[2] = Array(frames[2].prefix(n))
                let kind = decodeError(cut)?.kind
                #expect(kind == .truncated, "cut to \(n): \(String(describing: kind))")
                checked += 1
            }
            var long = frames
            long[2].append(0)
            #expect(decodeError(long)?.kind == .trailingBytes)
        }
        #expect(checked > 1_000)
    }

    @Test func randomMutationsNeverTrap() throws {
        var rng = SplitMix64(seed: 0x5EED_0005)
        var refused = 0
        var accepted = 0
        for batch in RecordSamples.all.prefix(4) {
            let frames = batch.envelope.frames
            for _ in 0 ..< 1_500 {
                var payload = frames[2]
                for _ in 0 ..< Int.random(in: 1 ... 4, using: &rng) {
                    switch Int.random(in: 0 ..< 4, using: &rng) {
                    case 0 where !payload.isEmpty:
                        payload[Int.random(in: 0 ..< payload.count, using: &rng)] = UInt8.random(in: 0 ... 255, using: &rng)
                    case 1 where !payload.isEmpty:
                        payload[Int.random(in: 0 ..< payload.count, using: &rng)] ^= 1 << UInt8.random(in: 0 ..< 8, using: &rng)
                    case 2 where !payload.isEmpty:
                        payload.remove(at: Int.random(in: 0 ..< payload.count, using: &rng))
                    default:
                        payload.insert(UInt8.random(in: 0 ... 255, using: &rng), at: Int.random(in: 0 ... payload.count, using: &rng))
                    }
                }
                var damaged = frames
                damaged[2] = payload
                do {
                    let message = try decode(damaged)
                    accepted += 1
                    #expect(message.envelope(producer: batch.producer, sequence: batch.sequence).frames == damaged,
                            "accepted a non-canonical encoding")
                } catch {
                    refused += 1
                }
            }
        }
        #expect(refused > 0 && accepted > 0)
    }

    /// The dataset byte is a registered protocol's code or the batch is refused, never read as another protocol.
    @Test func anUnknownDatasetCodeIsRefused() throws {
        var batch = RecordBatch(producer: RecordSamples.decoder, sequence: 1)
        batch.events = [EventRecord(captureID: 8, sequence: 2, dataset: .icmp, flowKey: 0, communityID: "1:x", time: 0,
                                    frames: [.max], fields: [])]
        let frames = batch.envelope.frames
        guard case .records(let decoded) = try decode(frames) else { Issue.record("not records.v1"); return }
        #expect(decoded.events == batch.events)
        // The one event is the payload's last 51 bytes: 40 fixed, 3 of Community ID, one frame number.
        let datasetByte = frames[2].count - 51 + 28
        #expect(frames[2][datasetByte] == Dataset.icmp.code)
        let used = Set(Dataset.all.map(\.code))
        for code in [UInt8(5), 200, .max] where !used.contains(code) {
            var damaged = frames
            damaged[2][datasetByte] = code
            let error = decodeError(damaged)
            #expect(error?.kind == .invalidValue, "code \(code): \(String(describing: error))")
        }
    }

    @Test func oversizeCountsAreRefused() throws {
        let batch = RecordSamples.handBuilt
        var limits = WireLimits()
        limits.packetRecords = 3
        #expect(decodeError(batch.envelope.frames, limits: limits)?.kind == .limitExceeded)
        limits = WireLimits()
        limits.flowRecords = 2
        #expect(decodeError(batch.envelope.frames, limits: limits)?.kind == .limitExceeded)
        limits = WireLimits()
        limits.recordCovers = 1
        #expect(decodeError(batch.envelope.frames, limits: limits)?.kind == .limitExceeded)
        limits = WireLimits()
        limits.vlanIDs = 1
        #expect(decodeError(batch.envelope.frames, limits: limits)?.kind == .limitExceeded)
        limits = WireLimits()
        limits.communityIDLength = 10
        #expect(decodeError(batch.envelope.frames, limits: limits)?.kind == .limitExceeded)
        limits = WireLimits()
        limits.eventRecords = 2
        #expect(decodeError(batch.envelope.frames, limits: limits)?.kind == .limitExceeded)
        limits = WireLimits()
        limits.eventNesting = 2
        #expect(decodeError(batch.envelope.frames, limits: limits)?.kind == .limitExceeded)

        // Huge announced counts with no bytes behind them: refused, never allocated.
        for (offset, value) in [(0, UInt32.max), (4, UInt32.max), (8, UInt32.max), (4, 1 << 20)] {
            var frames = RecordBatch(producer: RecordSamples.decoder, sequence: 1).envelope.frames
            withUnsafeBytes(of: value.littleEndian) { frames[2].replaceSubrange(offset ..< offset + 4, with: $0) }
            let kind = decodeError(frames)?.kind
            #expect(kind == .limitExceeded || kind == .invalidValue, "\(offset): \(String(describing: kind))")
        }
        // Item count disagreeing with the record counts.
        var frames = batch.envelope.frames
        frames[1][28] &+= 1
        #expect(decodeError(frames)?.kind == .invalidValue)
    }
}
