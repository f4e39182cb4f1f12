import Foundation
import Testing
import Wire

@Suite struct ControlMessageTests {
    static let bodies: [ControlMessage.Body] = [
        .startCapture(sensorID: UUID(), sensorName: "probe-1", source: "/data/a.pcap", runID: UUID()),
        .startCapture(sensorID: UUID(), sensorName: "", source: "eth0", runID: nil),
        .startCapture(sensorID: UUID(), sensorName: "p", source: "/data/b.pcap", runID: nil,
                      file: FileDigest(sha256: String(repeating: "ab", count: 32), size: 1_000_000)),
        .captureStarted(captureID: 42),
        .captureStatus(captureID: 7),
        .captureTotals(.init(captureID: 7, status: "complete", failureReason: nil, expectedFrames: 10,
                             packets: 10, bytes: 1_000, flows: 2)),
        .failed(message: "no capture 9"),
        .reportAdapters(sensorID: UUID(), sensorName: "p", adapters: [
            .init(name: "eth0", description: "", isUp: true, isRunning: true, isLoopback: false,
                  macAddress: "02:00:00:00:00:0a", ipv4: ["10.0.0.1"], ipv6: ["fe80::1"], mtu: 1500),
        ]),
        .reportStatistics(.init(captureID: 3, received: 10, kernelDrops: 1, interfaceDrops: 0, sensorDrops: 2)),
        .done,
    ]

    @Test func roundTrips() throws {
        for body in Self.bodies {
            let envelope = ControlMessage(body).envelope(producer: UUID(), sequence: 3)
            let back = try Message(try Envelope(frames: envelope.frames))
            #expect(back == .control(ControlMessage(body)))
        }
    }

    /// A sensor from before chain of custody sends no `file`: still a start.
    @Test func aStartWithoutAFileDigestDecodes() throws {
        let sensor = UUID()
        let json = #"{"startCapture":{"sensorID":"\#(sensor)","sensorName":"p","source":"/a.pcap","runID":null}}"#
        let message = try ControlMessage(payload: Array(json.utf8), itemCount: 1)
        #expect(message.body == .startCapture(sensorID: sensor, sensorName: "p", source: "/a.pcap", runID: nil, file: nil))
    }

    @Test func garbageIsATypedError() throws {
        for payload in [[], Array("{".utf8), Array("{\"nope\":{}}".utf8), [UInt8](repeating: 0xFF, count: 10)] {
            #expect(throws: WireError.self) { try ControlMessage(payload: payload, itemCount: 1) }
        }
        #expect(throws: WireError.self) { try ControlMessage(payload: Array("{}".utf8), itemCount: 2) }
        let huge = [UInt8](repeating: 0x20, count: WireLimits.default.controlBytes + 1)
        #expect(throws: WireError.self) { try ControlMessage(payload: huge, itemCount: 1) }
    }
}

@Suite struct QueryMessageTests {
    @Test func roundTrips() throws {
        let capture = QueryMessage.Capture(id: 3, sensorID: UUID(), sensorName: "s", source: "/a.pcap", status: "complete",
                                           failureReason: nil, packets: 10, bytes: 600, wireBytes: 600, firstPacket: 1,
                                           lastPacket: 2, startedAt: 3, endedAt: nil)
        let flow = QueryMessage.Flow(id: 9, captureID: 3, communityID: "1:x=", source: "10.0.0.1", destination: "10.0.0.2",
                                     sourcePort: 1, destinationPort: 2, protocolNumber: 6, start: 1, end: 2, firstFrame: 1,
                                     sourcePackets: 1, sourceBytes: 60, destinationPackets: 0, destinationBytes: 0,
                                     sourceTCPFlags: 2, destinationTCPFlags: 0, isFinal: false, reason: "period", vlans: [10])
        let hunt = QueryMessage.Hunt(id: 4, name: "dga", query: "dns.question.name endswith \".top\"", target: .events,
                                     dataset: "dns", intervalSeconds: nil, enabled: true, createdAt: 1, lastRunAt: nil,
                                     lastError: "the run took longer than 300 s and was stopped", matched: 3)
        let bodies: [QueryMessage.Body] = [
            .request(.keys(.verify(hashHex: String(repeating: "ab", count: 32)))), .reply(.keys(.holder(nil))),
            .reply(.keys(.holder(.init(name: "ci", role: .analyst)))), .request(.captures(.list(after: 0, limit: 10))),
            .reply(.captures(.captures([capture]))), .request(.captures(.get(id: 3))), .reply(.captures(.capture(nil))),
            .reply(.captures(.capture(capture))), .request(.captures(.getStats(id: 3))),
            .reply(.captures(.stats(.init(packets: 1, bytes: 2, flows: 3, addresses: 4, ipv4: 5, ipv6: 6, tcp: 7, udp: 8,
                                          icmp: 9)))),
            .request(.installation(.getTotals)),
            .reply(.installation(.totals(.init(runningCaptures: 1, lastCompleteCapture: 2, adapters: 3, packets: 4, bytes: 5,
                                               flows: 6)))),
            .reply(.failed(message: "x")), .request(.installation(.listSensors)),
            .reply(.installation(.sensors([.init(id: UUID(), name: "p", createdAt: 1, captures: 2)]))),
            .request(.installation(.listAdapters(sensorID: nil))), .request(.installation(.listAdapters(sensorID: UUID()))),
            .reply(.installation(.adapters([.init(sensorID: UUID(), name: "eth0", description: "", isUp: true, macAddress: nil,
                                                  ipv4: ["10.0.0.1"], ipv6: [], mtu: 1500)]))),
            .request(.captures(.getMeta(id: 3))), .reply(.captures(.meta(nil))),
            .reply(.captures(.meta(.init(capture: capture, flows: 2, lastFlowID: 9, lastPacketID: 10)))),
            .request(.packets(.list(captureID: 3, after: 5, limit: 100))), .reply(.packets(.page(nil))),
            .reply(.packets(.page(.init(packets: [.init(frame: 6, time: 1, capturedLength: 60, wireLength: 64, flowID: 9,
                                                        source: "10.0.0.1", destination: "fe80::1", sourcePort: 1,
                                                        destinationPort: nil, layers: Array(0 ..< 10), anomalies: .max,
                                                        position: .init(segment: "a/b.pcap", offset: 24, length: 76))],
                                        lastPacketID: 6, before: 5, total: 10, lastFlowID: 9)))),
            .request(.flows(.list(captureID: 3, after: 0, limit: 1))),
            .request(.flows(.find(communityID: "1:x=", after: 0, limit: 1))),
            .request(.flows(.find(communityID: nil, after: 2, limit: 3))), .reply(.flows(.flows(nil))),
            .request(.flows(.get(id: 9))), .reply(.flows(.flow(nil))), .reply(.flows(.flows([flow]))),
            .request(.search(.getExportPlan(.scope(.capture(3))))), .request(.search(.getExportPlan(.scope(.flow(9))))),
            .reply(.search(.exportPlan(nil))),
            .request(.search(.getExportPlan(.search(.init(query: "tcp", target: .flows, limit: 0, start: 1, end: 2))))),
            .reply(.search(.exportPlan(.init(linkTypes: [1, 113], packets: 4)))),
            .request(.search(.listExportFrames(.scope(.flow(9)), after: .init(time: -1, capture: 2, frame: 3), limit: 10))),
            .reply(.search(.exportFrames([.init(capture: 2, frame: 1, time: -5, linkType: 1,
                                                position: .init(segment: "s", offset: 24, length: 80))]))),
            .request(.hunts(.add(.init(name: "dga", query: "dns.question.name endswith .top", target: .events,
                                       dataset: "dns", intervalSeconds: 300)))),
            .request(.hunts(.add(.init(name: "web", query: "port == 80", target: .packets)))),
            .reply(.hunts(.refused(.query(.init(position: 5, message: "m", hint: nil))))),
            .reply(.hunts(.refused(.nameTaken("dga")))),
            .request(.hunts(.list)), .reply(.hunts(.hunts([hunt]))), .request(.hunts(.get(id: 4))),
            .reply(.hunts(.hunt(nil))), .reply(.hunts(.hunt(hunt))),
            .request(.hunts(.update(id: 4, .init(enabled: false)))),
            .request(.hunts(.update(id: 4, .init(intervalSeconds: 60)))), .request(.hunts(.delete(id: 4))),
            .request(.hunts(.run(id: 4))), .request(.hunts(.listMatches(id: 4, after: 2, limit: 100))),
            .reply(.hunts(.matches(nil))), .reply(.hunts(.matches(.init(hunt: hunt, flows: [flow], lastOrdinal: 3)))),
        ]
        for body in bodies {
            let envelope = QueryMessage(body).envelope(producer: UUID(), sequence: 1)
            #expect(try Message(try Envelope(frames: envelope.frames)) == .query(QueryMessage(body)))
        }
        #expect(throws: WireError.self) { try QueryMessage(payload: Array("[]".utf8), itemCount: 1) }
    }
}

extension Array where Element == UInt8 {
    /// Appends `value` little-endian (hand-made payloads).
    mutating func le(_ value: some FixedWidthInteger) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    /// Appends a segment table: the count, then each path after its length.
    mutating func segmentTable(_ paths: [[UInt8]]) {
        le(UInt32(paths.count))
        for path in paths {
            le(UInt16(path.count))
            self += path
        }
    }
}

@Suite struct ExportFramesWireTests {
    static let frames: [QueryMessage.ExportFrame] = [
        .init(capture: 2, frame: 1, time: -5, linkType: 1, position: .init(segment: "a", offset: 24, length: 80)),
        .init(capture: 3, frame: 9, time: 7, linkType: 113, position: .init(segment: "ü", offset: .max, length: 16)),
        .init(capture: 2, frame: 2, time: 8, linkType: 1, position: .init(segment: "a", offset: 104, length: 16)),
    ]

    /// Tag, count 3, segments "a" and "ü", then three frames naming segments `indices`.
    static func payload(indices: [UInt32] = [0, 1, 0], paths: [[UInt8]] = [Array("a".utf8), Array("ü".utf8)]) -> [UInt8] {
        var p: [UInt8] = [0]
        p.le(UInt32(3))
        p.segmentTable(paths)
        for (frame, index) in zip(frames, indices) {
            p.le(frame.capture); p.le(frame.frame); p.le(frame.time); p.le(frame.linkType)
            p.le(index); p.le(frame.position.offset); p.le(frame.position.length)
        }
        return p
    }

    @Test func binaryWithEachSegmentOnce() throws {
        let payload = QueryMessage(.reply(.search(.exportFrames(Self.frames)))).encodePayload()
        #expect(payload == Self.payload())
        #expect(try QueryMessage(payload: payload, itemCount: 1).body == .reply(.search(.exportFrames(Self.frames))))
        let empty = QueryMessage.Body.reply(.search(.exportFrames([])))
        #expect(try QueryMessage(payload: QueryMessage(empty).encodePayload(), itemCount: 1).body == empty)
    }

    @Test func corruptPayloadsAreTypedErrors() throws {
        let payload = Self.payload()
        for cut in 1 ..< payload.count {
            #expect(throws: WireError.self) { try QueryMessage(payload: Array(payload[..<cut]), itemCount: 1) }
        }
        let bad: [[UInt8]] = [
            payload + [0],
            Self.payload(indices: [0, 2, 0]),  // no segment 2
            Self.payload(indices: [1, 0, 0]),  // segment 1 used before segment 0
            Self.payload(indices: [0, 0, 0]),  // segment 1 never used
            Self.payload(paths: [Array("a".utf8), Array("a".utf8)]),  // listed twice
            Self.payload(paths: [Array("a".utf8), [0xC3, 0x28]]),  // not UTF-8
            Self.payload(paths: [Array("a".utf8), Array(repeating: 0x61, count: 1_025)]),
        ]
        for corrupt in bad {
            #expect(throws: WireError.self) { try QueryMessage(payload: corrupt, itemCount: 1) }
        }
        #expect(throws: WireError.self) { try QueryMessage(payload: payload, itemCount: 2) }
        var limits = WireLimits()
        limits.framesPerBatch = 2
        #expect(throws: WireError.self) { try QueryMessage(payload: payload, itemCount: 1, limits: limits) }
        // One encoding per value: the JSON form of the body is refused.
        let json = [UInt8](try JSONEncoder().encode(QueryMessage.Body.reply(.search(.exportFrames(Self.frames)))))
        #expect(throws: WireError.self) { try QueryMessage(payload: json, itemCount: 1) }
    }
}

@Suite struct PacketReadMessageTests {
    /// A pcap record: 1,700,000,000.000000005 s, `captured` bytes of 7, wire length 1,514.
    static func record(captured: Int = 60, nanoseconds: UInt32 = 5) -> [UInt8] {
        var r: [UInt8] = []
        r.le(UInt32(1_700_000_000)); r.le(nanoseconds); r.le(UInt32(captured)); r.le(UInt32(1_514))
        return r + Array(repeating: 7, count: captured)
    }

    /// Three frames answered, the second unreadable.
    static let records = StoredRecords(count: 3, unreadable: [.init(index: 1, reason: "gone")],
                                       bytes: (record() + record(captured: 0))[...])

    @Test func roundTrips() throws {
        let bodies: [PacketReadMessage.Body] = [
            .read([]), .read([.init(segment: "6f1c2a3b-4d5e-4f60-8172-93a4b5c6d7e8/2024-03-10/1-1-000001.pcap",
                                   offset: 24, length: 76), .init(segment: "ü", offset: .max, length: 16),
                             .init(segment: "6f1c2a3b-4d5e-4f60-8172-93a4b5c6d7e8/2024-03-10/1-1-000001.pcap",
                                   offset: 100, length: 16)]),
            .records(StoredRecords(count: 0, unreadable: [], bytes: [])),
            .records(StoredRecords(count: 2, unreadable: [.init(index: 0, reason: "a"), .init(index: 1, reason: "b")],
                                   bytes: [])),
            .records(Self.records),
        ]
        for body in bodies {
            let envelope = PacketReadMessage(body).envelope(producer: UUID(), sequence: 8)
            #expect(try Message(try Envelope(frames: envelope.frames)) == .read(PacketReadMessage(body)))
        }
        // Each segment's path travels once.
        let read = PacketReadMessage(bodies[1]).encodePayload()
        #expect(read.count == 1 + 4 + 4 + (2 + 63) + (2 + 2) + 3 * 16)
    }

    @Test func recordsAreTheStoredPcapRecords() throws {
        let payload = PacketReadMessage(.records(Self.records)).encodePayload()
        #expect(Array(payload.suffix(76 + 16)) == Self.record() + Self.record(captured: 0))
        guard case .records(let decoded) = try PacketReadMessage(payload: payload, itemCount: 3).body else {
            Issue.record("not records")
            return
        }
        #expect(decoded.frames == [
            .frame(timestamp: 1_700_000_000_000_000_005, wireLength: 1_514, bytes: Array(repeating: 7, count: 60)),
            .unreadable(reason: "gone"),
            .frame(timestamp: 1_700_000_000_000_000_005, wireLength: 1_514, bytes: []),
        ])
        let tail = StoredRecords(count: 2, unreadable: [.init(index: 1, reason: "late")], bytes: Self.record()[...])
        #expect(tail.frames.map { if case .unreadable = $0 { true } else { false } } == [false, true])
        #expect(StoredRecords.Unreadable(index: 0, reason: String(repeating: "é", count: 3_000)).reason.utf8.count
                == StoredRecords.maxReasonLength)
    }

    @Test func corruptPayloadsAreTypedErrors() throws {
        let payload = PacketReadMessage(.records(Self.records)).encodePayload()
        // Kind 1, count 3, one unreadable (index 1, "gone"), then the records from byte 19.
        #expect(payload.count == 19 + 76 + 16)
        for cut in 0 ..< payload.count {
            #expect(throws: WireError.self) { try PacketReadMessage(payload: Array(payload[..<cut]), itemCount: 3) }
        }
        func patched(_ at: Int, _ bytes: [UInt8]) -> [UInt8] {
            var p = payload
            p.replaceSubrange(at ..< at + bytes.count, with: bytes)
            return p
        }
        let bad: [[UInt8]] = [
            payload + [0],
            payload + Self.record(),  // a record more than answered
            patched(0, [9]),  // kind
            patched(5, [4, 0, 0, 0]),  // more unreadable than answered
            patched(9, [3, 0, 0, 0]),  // unreadable index beyond the frames answered
            patched(15, [0xFF]),  // reason not UTF-8
            patched(23, [0x00, 0xCA, 0x9A, 0x3B]),  // nanoseconds 10^9
            patched(27, [61, 0, 0, 0]),  // captured length past the record
        ]
        for corrupt in bad {
            #expect(throws: WireError.self) { try PacketReadMessage(payload: corrupt, itemCount: 3) }
        }
        #expect(throws: WireError.self) { try PacketReadMessage(payload: payload, itemCount: 2) }
        var limits = WireLimits()
        limits.capturedLength = 59
        #expect(throws: WireError.self) { try PacketReadMessage(payload: payload, itemCount: 3, limits: limits) }
        let descending = StoredRecords(count: 3, unreadable: [.init(index: 2, reason: ""), .init(index: 1, reason: "")],
                                       bytes: Self.record()[...])
        #expect(throws: WireError.self) {
            try PacketReadMessage(payload: PacketReadMessage(.records(descending)).encodePayload(), itemCount: 3)
        }
    }

    @Test func corruptReadsAreTypedErrors() throws {
        // Kind 0, count 3, segments "a" and "ü", three positions naming `indices`.
        func read(indices: [UInt32] = [0, 1, 0], paths: [[UInt8]] = [Array("a".utf8), Array("ü".utf8)]) -> [UInt8] {
            var p: [UInt8] = [0]
            p.le(UInt32(3))
            p.segmentTable(paths)
            for index in indices {
                p.le(index); p.le(UInt64(24)); p.le(UInt32(76))
            }
            return p
        }
        let good = read()
        #expect(try PacketReadMessage(payload: good, itemCount: 3).body == .read([
            .init(segment: "a", offset: 24, length: 76), .init(segment: "ü", offset: 24, length: 76),
            .init(segment: "a", offset: 24, length: 76),
        ]))
        for cut in 0 ..< good.count {
            #expect(throws: WireError.self) { try PacketReadMessage(payload: Array(good[..<cut]), itemCount: 3) }
        }
        let bad: [[UInt8]] = [
            good + [0], read(indices: [0, 2, 0]), read(indices: [1, 0, 0]), read(indices: [0, 0, 0]),
            read(paths: [Array("a".utf8), Array("a".utf8)]), read(paths: [Array("a".utf8), [0xFF]]),
            read(paths: [Array("a".utf8), Array(repeating: 0x61, count: 1_025)]),
        ]
        for corrupt in bad {
            #expect(throws: WireError.self) { try PacketReadMessage(payload: corrupt, itemCount: 3) }
        }
    }
}
