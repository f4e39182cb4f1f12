import Foundation
import Wire

/// One of each value search answers with, every optional set: what the
/// OpenAPI document reads its schemas from, and what tests answer with.
enum Sample {
    static let sensorID = UUID(uuidString: "6f1c2a3b-4d5e-4f60-8172-93a4b5c6d7e8") ?? UUID()
    static let capture = QueryMessage.Capture(id: 1, sensorID: sensorID, sensorName: "probe", source: "/data/a.pcap",
                                              status: "failed", failureReason: "truncated", packets: 1, bytes: 60,
                                              wireBytes: 60, firstPacket: 1, lastPacket: 2, startedAt: 1, endedAt: 2,
                                              file: FileDigest(sha256: String(repeating: "0", count: 64), size: 84))
    static let captureMeta = QueryMessage.CaptureMeta(capture: capture, flows: 1, lastFlowID: 1, lastPacketID: 1)
    static let captureStats = QueryMessage.CaptureStats(packets: 1, bytes: 1, flows: 1, addresses: 2, ipv4: 1, ipv6: 0,
                                                        tcp: 1, udp: 0, icmp: 0)
    static let totals = QueryMessage.Totals(runningCaptures: 0, lastCompleteCapture: 1, adapters: 0, packets: 1, bytes: 1,
                                            flows: 1)
    static let sensor = QueryMessage.Sensor(id: sensorID, name: "probe", createdAt: 1, captures: 1)
    static let adapter = QueryMessage.Adapter(sensorID: sensorID, name: "eth0", description: "", isUp: true,
                                              macAddress: "02:00:00:00:00:01", ipv4: ["10.0.0.1"], ipv6: ["fe80::1"],
                                              mtu: 1500)
    static let position = QueryMessage.StoredPosition(segment: "s", offset: 24, length: 76)
    static let packet = QueryMessage.Packet(frame: 1, time: 1, capturedLength: 60, wireLength: 60, flowID: 1,
                                            source: "10.0.0.1", destination: "10.0.0.2", sourcePort: 1, destinationPort: 2,
                                            layers: Array(repeating: 0, count: 10), anomalies: 0, position: position)
    static let packetPage = QueryMessage.PacketPage(packets: [packet], lastPacketID: 1, before: 0, total: 1, lastFlowID: 1)
    static let flow = QueryMessage.Flow(id: 1, captureID: 1, communityID: "1:x", source: "10.0.0.1",
                                        destination: "10.0.0.2", sourcePort: 1, destinationPort: 2, protocolNumber: 6,
                                        start: 1, end: 2, firstFrame: 1, sourcePackets: 1, sourceBytes: 60,
                                        destinationPackets: 0, destinationBytes: 0, sourceTCPFlags: 2,
                                        destinationTCPFlags: 0, isFinal: true, reason: "end", vlans: [10])
    static let searchMeta = QueryMessage.SearchMeta(id: 1, query: "tcp", target: .events, dataset: "dns", status: .failed,
                                                    found: 0, error: "e")
    static let hunt = QueryMessage.Hunt(id: 1, name: "dga", query: "tcp", target: .events, dataset: "dns",
                                        intervalSeconds: 60, enabled: true, createdAt: 1, lastRunAt: 2, lastError: "e",
                                        matched: 1)
    static let huntMatches = QueryMessage.HuntMatches(hunt: hunt, flows: [flow], lastOrdinal: 1)
}
