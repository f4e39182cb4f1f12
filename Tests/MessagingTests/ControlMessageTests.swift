import Foundation
import Messaging
import Testing

@Suite struct ControlMessageTests {
    static let bodies: [ControlMessage.Body] = [
        .startCapture(sensorID: UUID(), sensorName: "probe-1", source: "/data/a.pcap", runID: UUID()),
        .startCapture(sensorID: UUID(), sensorName: "", source: "eth0", runID: nil),
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
            .verifyKey(hashHex: String(repeating: "ab", count: 32)), .keyValid(true), .listCaptures(after: 0, limit: 10),
            .captures([capture]), .getCapture(id: 3), .capture(nil), .capture(capture), .getCaptureStats(id: 3),
            .captureStats(.init(packets: 1, bytes: 2, flows: 3, addresses: 4, ipv4: 5, ipv6: 6, tcp: 7, udp: 8, icmp: 9)),
            .getTotals, .totals(.init(runningCaptures: 1, lastCompleteCapture: 2, adapters: 3, packets: 4, bytes: 5, flows: 6)),
            .failed(message: "x"), .listSensors, .sensors([.init(id: UUID(), name: "p", createdAt: 1, captures: 2)]),
            .listAdapters(sensorID: nil), .listAdapters(sensorID: UUID()),
            .adapters([.init(sensorID: UUID(), name: "eth0", description: "", isUp: true, macAddress: nil,
                             ipv4: ["10.0.0.1"], ipv6: [], mtu: 1500)]),
            .getCaptureMeta(id: 3), .captureMeta(nil),
            .captureMeta(.init(capture: capture, flows: 2, lastFlowID: 9, lastPacketID: 10)),
            .listPackets(captureID: 3, after: 5, limit: 100), .packets(nil),
            .packets(.init(packets: [.init(frame: 6, time: 1, capturedLength: 60, wireLength: 64, flowID: 9,
                                           source: "10.0.0.1", destination: "fe80::1", sourcePort: 1, destinationPort: nil,
                                           layers: Array(0 ..< 10), anomalies: .max,
                                           position: .init(segment: "a/b.pcap", offset: 24, length: 76))],
                           lastPacketID: 6, before: 5, total: 10, lastFlowID: 9)),
            .listFlows(captureID: 3, after: 0, limit: 1), .findFlows(communityID: "1:x=", after: 0, limit: 1),
            .findFlows(communityID: nil, after: 2, limit: 3), .flows(nil), .getFlow(id: 9), .flow(nil),
            .flows([flow]),
            .getExportPlan(.scope(.capture(3))), .getExportPlan(.scope(.flow(9))), .exportPlan(nil),
            .getExportPlan(.search(.init(query: "tcp", target: .flows, limit: 0, start: 1, end: 2))),
            .exportPlan(.init(linkTypes: [1, 113], packets: 4)),
            .listExportFrames(.scope(.flow(9)), after: .init(time: -1, capture: 2, frame: 3), limit: 10),
            .exportFrames([.init(capture: 2, frame: 1, time: -5, linkType: 1, position: .init(segment: "s", offset: 24, length: 80))]),
            .addHunt(.init(name: "dga", query: "dns.question.name endswith .top", target: .events, dataset: "dns",
                           intervalSeconds: 300)),
            .addHunt(.init(name: "web", query: "port == 80", target: .packets)),
            .huntRefused(.query(.init(position: 5, message: "m", hint: nil))), .huntRefused(.nameTaken("dga")),
            .listHunts, .hunts([hunt]), .getHunt(id: 4), .hunt(nil), .hunt(hunt),
            .updateHunt(id: 4, .init(enabled: false)), .updateHunt(id: 4, .init(intervalSeconds: 60)),
            .deleteHunt(id: 4), .runHunt(id: 4), .listHuntMatches(id: 4, after: 2, limit: 100), .huntMatches(nil),
            .huntMatches(.init(hunt: hunt, flows: [flow], lastOrdinal: 3)),
        ]
        for body in bodies {
            let envelope = QueryMessage(body).envelope(producer: UUID(), sequence: 1)
            #expect(try Message(try Envelope(frames: envelope.frames)) == .query(QueryMessage(body)))
        }
        #expect(throws: WireError.self) { try QueryMessage(payload: Array("[]".utf8), itemCount: 1) }
    }
}

@Suite struct PacketReadMessageTests {
    @Test func roundTrips() throws {
        let bodies: [PacketReadMessage.Body] = [
            .read([]), .read([.init(segment: "6f1c2a3b-4d5e-4f60-8172-93a4b5c6d7e8/2024-03-10/1-1-000001.pcap",
                                   offset: 24, length: 76), .init(segment: "ü", offset: .max, length: 16)]),
            .frames([]), .frames([.frame(timestamp: -5, wireLength: 1_514, bytes: Array(0 ..< 60)),
                                  .unreadable(reason: "gone"), .frame(timestamp: 1, wireLength: 0, bytes: [])]),
        ]
        for body in bodies {
            let envelope = PacketReadMessage(body).envelope(producer: UUID(), sequence: 8)
            #expect(try Message(try Envelope(frames: envelope.frames)) == .read(PacketReadMessage(body)))
        }
    }

    @Test func corruptPayloadsAreTypedErrors() throws {
        let good = PacketReadMessage(.frames([.frame(timestamp: 1, wireLength: 60, bytes: Array(repeating: 7, count: 60))]))
        let payload = good.encodePayload()
        // Every truncation, a wrong item count, an unknown kind and status, a frame above the limit.
        for cut in 0 ..< payload.count {
            #expect(throws: WireError.self) { try PacketReadMessage(payload: Array(payload[..<cut]), itemCount: 1) }
        }
        #expect(throws: WireError.self) { try PacketReadMessage(payload: payload, itemCount: 2) }
        var kind = payload
        kind[0] = 9
        #expect(throws: WireError.self) { try PacketReadMessage(payload: kind, itemCount: 1) }
        var status = payload
        status[5] = 4
        #expect(throws: WireError.self) { try PacketReadMessage(payload: status, itemCount: 1) }
        var limits = WireLimits()
        limits.capturedLength = 59
        #expect(throws: WireError.self) { try PacketReadMessage(payload: payload, itemCount: 1, limits: limits) }
        #expect(throws: WireError.self) { try PacketReadMessage(payload: payload + [0], itemCount: 1) }
    }
}
