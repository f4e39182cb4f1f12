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
        let bodies: [QueryMessage.Body] = [
            .verifyKey(hashHex: String(repeating: "ab", count: 32)), .keyValid(true), .listCaptures(after: 0, limit: 10),
            .captures([capture]), .getCapture(id: 3), .capture(nil), .capture(capture), .getCaptureStats(id: 3),
            .captureStats(.init(packets: 1, bytes: 2, flows: 3, addresses: 4, ipv4: 5, ipv6: 6, tcp: 7, udp: 8, icmp: 9)),
            .getTotals, .totals(.init(runningCaptures: 1, lastCompleteCapture: 2, adapters: 3, packets: 4, bytes: 5, flows: 6)),
            .failed(message: "x"), .listSensors, .sensors([.init(id: UUID(), name: "p", createdAt: 1, captures: 2)]),
            .listAdapters(sensorID: nil), .listAdapters(sensorID: UUID()),
            .adapters([.init(sensorID: UUID(), name: "eth0", description: "", isUp: true, macAddress: nil,
                             ipv4: ["10.0.0.1"], ipv6: [], mtu: 1500)]),
        ]
        for body in bodies {
            let envelope = QueryMessage(body).envelope(producer: UUID(), sequence: 1)
            #expect(try Message(try Envelope(frames: envelope.frames)) == .query(QueryMessage(body)))
        }
        #expect(throws: WireError.self) { try QueryMessage(payload: Array("[]".utf8), itemCount: 1) }
    }
}
