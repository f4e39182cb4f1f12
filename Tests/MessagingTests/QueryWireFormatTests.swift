import Foundation
import Testing
@testable import Wire

/// `query.v1`'s JSON as it crossed the socket before its cases were grouped
/// by resource (captured from that code): every kind of request and reply,
/// pinned. JSONEncoder writes an object's keys in no fixed order, so
/// payloads are compared with their keys sorted.
@Suite struct QueryWireFormatTests {
    static let sensor = UUID(uuidString: "6F1C2A3B-4D5E-4F60-8172-93A4B5C6D7E8") ?? UUID()
    static let capture = QueryMessage.Capture(
        id: 3, sensorID: sensor, sensorName: "s", source: "/a.pcap", status: "complete", failureReason: nil, packets: 10,
        bytes: 600, wireBytes: 600, firstPacket: 1, lastPacket: 2, startedAt: 3, endedAt: nil)
    static let flow = QueryMessage.Flow(
        id: 9, captureID: 3, communityID: "1:x=", source: "10.0.0.1", destination: "10.0.0.2", sourcePort: 1,
        destinationPort: 2, protocolNumber: 6, start: 1, end: 2, firstFrame: 1, sourcePackets: 1, sourceBytes: 60,
        destinationPackets: 0, destinationBytes: 0, sourceTCPFlags: 2, destinationTCPFlags: 0, isFinal: false,
        reason: "period", vlans: [10])
    static let hunt = QueryMessage.Hunt(
        id: 4, name: "dga", query: "dns.question.name endswith \".top\"", target: .events, dataset: "dns",
        intervalSeconds: nil, enabled: true, createdAt: 1, lastRunAt: nil, lastError: "stopped", matched: 3)
    static let ask = QueryMessage.SearchRequest(query: "tcp", target: .flows, limit: 5, start: 1, end: 2)
    static let meta = QueryMessage.SearchMeta(id: 1, query: "tcp", target: .flows, dataset: nil, status: .complete,
                                              found: 1, error: nil)
    static let page = QueryMessage.SearchPage(flows: [flow], lastID: 9, processed: "tcp")
    static let event = QueryMessage.StoredEvent(id: 1, document: #"{"a":1}"#)
    static let packet = QueryMessage.Packet(
        frame: 6, time: 1, capturedLength: 60, wireLength: 64, flowID: 9, source: "10.0.0.1", destination: "fe80::1",
        sourcePort: 1, destinationPort: nil, layers: Array(0 ..< 10), anomalies: 5,
        position: .init(segment: "a/b.pcap", offset: 24, length: 76))

    static let pins: [(QueryMessage.Body, String)] = [
        (.request(.keys(.verify(hashHex: "ab"))),
         #"{"verifyKey":{"hashHex":"ab"}}"#),
        (.reply(.keys(.holder(nil))),
         #"{"keyHolder":{}}"#),
        (.reply(.keys(.holder(.init(name: "ci", role: .analyst)))),
         #"{"keyHolder":{"_0":{"name":"ci","role":"analyst"}}}"#),
        (.request(.installation(.getTotals)),
         #"{"getTotals":{}}"#),
        (.reply(.installation(.totals(.init(runningCaptures: 1, lastCompleteCapture: 2, adapters: 3, packets: 4, bytes: 5, flows: 6)))),
         #"{"totals":{"_0":{"adapters":3,"bytes":5,"flows":6,"lastCompleteCapture":2,"packets":4,"runningCaptures":1}}}"#),
        (.request(.installation(.listSensors)),
         #"{"listSensors":{}}"#),
        (.reply(.installation(.sensors([.init(id: sensor, name: "p", createdAt: 1, captures: 2)]))),
         #"{"sensors":{"_0":[{"captures":2,"createdAt":1,"id":"6F1C2A3B-4D5E-4F60-8172-93A4B5C6D7E8","name":"p"}]}}"#),
        (.request(.installation(.listAdapters(sensorID: nil))),
         #"{"listAdapters":{}}"#),
        (.request(.installation(.listAdapters(sensorID: sensor))),
         #"{"listAdapters":{"sensorID":"6F1C2A3B-4D5E-4F60-8172-93A4B5C6D7E8"}}"#),
        (.reply(.installation(.adapters([.init(sensorID: sensor, name: "eth0", description: "", isUp: true, macAddress: nil, ipv4: ["10.0.0.1"], ipv6: [], mtu: 1500)]))),
         #"{"adapters":{"_0":[{"description":"","ipv4":["10.0.0.1"],"ipv6":[],"isUp":true,"mtu":1500,"name":"eth0","sensorID":"6F1C2A3B-4D5E-4F60-8172-93A4B5C6D7E8"}]}}"#),
        (.request(.captures(.list(after: 0, limit: 10))),
         #"{"listCaptures":{"after":0,"limit":10}}"#),
        (.reply(.captures(.captures([capture]))),
         #"{"captures":{"_0":[{"bytes":600,"firstPacket":1,"id":3,"lastPacket":2,"packets":10,"sensorID":"6F1C2A3B-4D5E-4F60-8172-93A4B5C6D7E8","sensorName":"s","source":"\/a.pcap","startedAt":3,"status":"complete","wireBytes":600}]}}"#),
        (.request(.captures(.get(id: 3))),
         #"{"getCapture":{"id":3}}"#),
        (.reply(.captures(.capture(nil))),
         #"{"capture":{}}"#),
        (.reply(.captures(.capture(capture))),
         #"{"capture":{"_0":{"bytes":600,"firstPacket":1,"id":3,"lastPacket":2,"packets":10,"sensorID":"6F1C2A3B-4D5E-4F60-8172-93A4B5C6D7E8","sensorName":"s","source":"\/a.pcap","startedAt":3,"status":"complete","wireBytes":600}}}"#),
        (.request(.captures(.getStats(id: 3))),
         #"{"getCaptureStats":{"id":3}}"#),
        (.reply(.captures(.stats(.init(packets: 1, bytes: 2, flows: 3, addresses: 4, ipv4: 5, ipv6: 6, tcp: 7, udp: 8, icmp: 9)))),
         #"{"captureStats":{"_0":{"addresses":4,"bytes":2,"flows":3,"icmp":9,"ipv4":5,"ipv6":6,"packets":1,"tcp":7,"udp":8}}}"#),
        (.reply(.captures(.stats(nil))),
         #"{"captureStats":{}}"#),
        (.request(.captures(.getMeta(id: 3))),
         #"{"getCaptureMeta":{"id":3}}"#),
        (.reply(.captures(.meta(nil))),
         #"{"captureMeta":{}}"#),
        (.reply(.captures(.meta(.init(capture: capture, flows: 2, lastFlowID: 9, lastPacketID: 10)))),
         #"{"captureMeta":{"_0":{"capture":{"bytes":600,"firstPacket":1,"id":3,"lastPacket":2,"packets":10,"sensorID":"6F1C2A3B-4D5E-4F60-8172-93A4B5C6D7E8","sensorName":"s","source":"\/a.pcap","startedAt":3,"status":"complete","wireBytes":600},"flows":2,"lastFlowID":9,"lastPacketID":10}}}"#),
        (.request(.packets(.list(captureID: 3, after: 5, limit: 100))),
         #"{"listPackets":{"after":5,"captureID":3,"limit":100}}"#),
        (.reply(.packets(.page(nil))),
         #"{"packets":{}}"#),
        (.reply(.packets(.page(.init(packets: [packet], lastPacketID: 6, before: 5, total: 10, lastFlowID: 9)))),
         #"{"packets":{"_0":{"before":5,"lastFlowID":9,"lastPacketID":6,"packets":[{"anomalies":5,"capturedLength":60,"destination":"fe80::1","flowID":9,"frame":6,"layers":[0,1,2,3,4,5,6,7,8,9],"position":{"length":76,"offset":24,"segment":"a\/b.pcap"},"source":"10.0.0.1","sourcePort":1,"time":1,"wireLength":64}],"total":10}}}"#),
        (.request(.flows(.list(captureID: 3, after: 0, limit: 1))),
         #"{"listFlows":{"after":0,"captureID":3,"limit":1}}"#),
        (.request(.flows(.find(communityID: "1:x=", after: 0, limit: 1))),
         #"{"findFlows":{"after":0,"communityID":"1:x=","limit":1}}"#),
        (.request(.flows(.find(communityID: nil, after: 2, limit: 3))),
         #"{"findFlows":{"after":2,"limit":3}}"#),
        (.reply(.flows(.flows(nil))),
         #"{"flows":{}}"#),
        (.reply(.flows(.flows([flow]))),
         #"{"flows":{"_0":[{"captureID":3,"communityID":"1:x=","destination":"10.0.0.2","destinationBytes":0,"destinationPackets":0,"destinationPort":2,"destinationTCPFlags":0,"end":2,"firstFrame":1,"id":9,"isFinal":false,"protocolNumber":6,"reason":"period","source":"10.0.0.1","sourceBytes":60,"sourcePackets":1,"sourcePort":1,"sourceTCPFlags":2,"start":1,"vlans":[10]}]}}"#),
        (.request(.flows(.get(id: 9))),
         #"{"getFlow":{"id":9}}"#),
        (.reply(.flows(.flow(nil))),
         #"{"flow":{}}"#),
        (.reply(.flows(.flow(flow))),
         #"{"flow":{"_0":{"captureID":3,"communityID":"1:x=","destination":"10.0.0.2","destinationBytes":0,"destinationPackets":0,"destinationPort":2,"destinationTCPFlags":0,"end":2,"firstFrame":1,"id":9,"isFinal":false,"protocolNumber":6,"reason":"period","source":"10.0.0.1","sourceBytes":60,"sourcePackets":1,"sourcePort":1,"sourceTCPFlags":2,"start":1,"vlans":[10]}}}"#),
        (.request(.events(.list(.capture(3), dataset: "dns", after: 0, limit: 10))),
         #"{"listEvents":{"_0":{"capture":{"_0":3}},"after":0,"dataset":"dns","limit":10}}"#),
        (.request(.events(.list(.flow(9), dataset: nil, after: 1, limit: 2))),
         #"{"listEvents":{"_0":{"flow":{"_0":9}},"after":1,"limit":2}}"#),
        (.reply(.events(.events(nil))),
         #"{"events":{}}"#),
        (.reply(.events(.events([event]))),
         #"{"events":{"_0":[{"document":"{\"a\":1}","id":1}]}}"#),
        (.request(.search(.run(ask))),
         #"{"search":{"_0":{"afterCapture":0,"afterID":0,"end":2,"limit":5,"query":"tcp","start":1,"target":"flows"}}}"#),
        (.reply(.search(.page(page))),
         #"{"searchPage":{"_0":{"events":[],"flows":[{"captureID":3,"communityID":"1:x=","destination":"10.0.0.2","destinationBytes":0,"destinationPackets":0,"destinationPort":2,"destinationTCPFlags":0,"end":2,"firstFrame":1,"id":9,"isFinal":false,"protocolNumber":6,"reason":"period","source":"10.0.0.1","sourceBytes":60,"sourcePackets":1,"sourcePort":1,"sourceTCPFlags":2,"start":1,"vlans":[10]}],"lastCapture":0,"lastID":9,"packets":[],"processed":"tcp"}}}"#),
        (.reply(.search(.page(.init(packets: [.init(captureID: 3, packet: packet)], events: [event], lastCapture: 3, lastID: 6, processed: "tcp", problem: .init(position: 1, message: "m", hint: "h"))))),
         #"{"searchPage":{"_0":{"events":[{"document":"{\"a\":1}","id":1}],"flows":[],"lastCapture":3,"lastID":6,"packets":[{"captureID":3,"packet":{"anomalies":5,"capturedLength":60,"destination":"fe80::1","flowID":9,"frame":6,"layers":[0,1,2,3,4,5,6,7,8,9],"position":{"length":76,"offset":24,"segment":"a\/b.pcap"},"source":"10.0.0.1","sourcePort":1,"time":1,"wireLength":64}}],"problem":{"hint":"h","message":"m","position":1},"processed":"tcp"}}}"#),
        (.request(.search(.getExportPlan(.scope(.capture(3))))),
         #"{"getExportPlan":{"_0":{"scope":{"_0":{"capture":{"_0":3}}}}}}"#),
        (.request(.search(.getExportPlan(.scope(.flow(9))))),
         #"{"getExportPlan":{"_0":{"scope":{"_0":{"flow":{"_0":9}}}}}}"#),
        (.request(.search(.getExportPlan(.search(ask)))),
         #"{"getExportPlan":{"_0":{"search":{"_0":{"afterCapture":0,"afterID":0,"end":2,"limit":5,"query":"tcp","start":1,"target":"flows"}}}}}"#),
        (.reply(.search(.exportPlan(nil))),
         #"{"exportPlan":{}}"#),
        (.reply(.search(.exportPlan(.init(linkTypes: [1, 113], packets: 4)))),
         #"{"exportPlan":{"_0":{"linkTypes":[1,113],"packets":4}}}"#),
        (.reply(.search(.exportPlan(.init(linkTypes: [1], packets: 4, fixedFrames: .init(frames: 4, capturedBytes: 10, paddedBytes: 12))))),
         #"{"exportPlan":{"_0":{"fixedFrames":{"capturedBytes":10,"frames":4,"paddedBytes":12},"linkTypes":[1],"packets":4}}}"#),
        (.request(.search(.listExportFrames(.scope(.flow(9)), after: .init(time: -1, capture: 2, frame: 3), limit: 10))),
         #"{"listExportFrames":{"_0":{"scope":{"_0":{"flow":{"_0":9}}}},"after":{"capture":2,"frame":3,"time":-1},"limit":10}}"#),
        (.request(.searches(.start(ask))),
         #"{"startSearch":{"_0":{"afterCapture":0,"afterID":0,"end":2,"limit":5,"query":"tcp","start":1,"target":"flows"}}}"#),
        (.reply(.searches(.busy(active: 4, limit: 4))),
         #"{"searchesBusy":{"active":4,"limit":4}}"#),
        (.request(.searches(.get(id: 1))),
         #"{"getSearch":{"id":1}}"#),
        (.request(.searches(.cancel(id: 1))),
         #"{"cancelSearch":{"id":1}}"#),
        (.reply(.searches(.meta(nil))),
         #"{"searchMeta":{}}"#),
        (.reply(.searches(.meta(meta))),
         #"{"searchMeta":{"_0":{"found":1,"id":1,"query":"tcp","status":"complete","target":"flows"}}}"#),
        (.request(.searches(.listResults(id: 1, after: 0, limit: 10))),
         #"{"listSearchResults":{"after":0,"id":1,"limit":10}}"#),
        (.reply(.searches(.results(nil))),
         #"{"searchResults":{}}"#),
        (.reply(.searches(.results(.init(meta: meta, page: page)))),
         #"{"searchResults":{"_0":{"meta":{"found":1,"id":1,"query":"tcp","status":"complete","target":"flows"},"page":{"events":[],"flows":[{"captureID":3,"communityID":"1:x=","destination":"10.0.0.2","destinationBytes":0,"destinationPackets":0,"destinationPort":2,"destinationTCPFlags":0,"end":2,"firstFrame":1,"id":9,"isFinal":false,"protocolNumber":6,"reason":"period","source":"10.0.0.1","sourceBytes":60,"sourcePackets":1,"sourcePort":1,"sourceTCPFlags":2,"start":1,"vlans":[10]}],"lastCapture":0,"lastID":9,"packets":[],"processed":"tcp"}}}}"#),
        (.request(.hunts(.add(.init(name: "dga", query: "q", target: .events, dataset: "dns", intervalSeconds: 300)))),
         #"{"addHunt":{"_0":{"dataset":"dns","intervalSeconds":300,"name":"dga","query":"q","target":"events"}}}"#),
        (.request(.hunts(.add(.init(name: "web", query: "port == 80", target: .packets)))),
         #"{"addHunt":{"_0":{"name":"web","query":"port == 80","target":"packets"}}}"#),
        (.reply(.hunts(.refused(.query(.init(position: 5, message: "m", hint: nil))))),
         #"{"huntRefused":{"_0":{"query":{"_0":{"message":"m","position":5}}}}}"#),
        (.reply(.hunts(.refused(.nameTaken("dga")))),
         #"{"huntRefused":{"_0":{"nameTaken":{"_0":"dga"}}}}"#),
        (.request(.hunts(.list)),
         #"{"listHunts":{}}"#),
        (.reply(.hunts(.hunts([hunt]))),
         #"{"hunts":{"_0":[{"createdAt":1,"dataset":"dns","enabled":true,"id":4,"lastError":"stopped","matched":3,"name":"dga","query":"dns.question.name endswith \".top\"","target":"events"}]}}"#),
        (.request(.hunts(.get(id: 4))),
         #"{"getHunt":{"id":4}}"#),
        (.reply(.hunts(.hunt(nil))),
         #"{"hunt":{}}"#),
        (.reply(.hunts(.hunt(hunt))),
         #"{"hunt":{"_0":{"createdAt":1,"dataset":"dns","enabled":true,"id":4,"lastError":"stopped","matched":3,"name":"dga","query":"dns.question.name endswith \".top\"","target":"events"}}}"#),
        (.request(.hunts(.update(id: 4, .init(enabled: false)))),
         #"{"updateHunt":{"_1":{"enabled":false},"id":4}}"#),
        (.request(.hunts(.update(id: 4, .init(intervalSeconds: 60)))),
         #"{"updateHunt":{"_1":{"intervalSeconds":60},"id":4}}"#),
        (.request(.hunts(.delete(id: 4))),
         #"{"deleteHunt":{"id":4}}"#),
        (.request(.hunts(.run(id: 4))),
         #"{"runHunt":{"id":4}}"#),
        (.request(.hunts(.listMatches(id: 4, after: 2, limit: 100))),
         #"{"listHuntMatches":{"after":2,"id":4,"limit":100}}"#),
        (.reply(.hunts(.matches(nil))),
         #"{"huntMatches":{}}"#),
        (.reply(.hunts(.matches(.init(hunt: hunt, flows: [flow], lastOrdinal: 3)))),
         #"{"huntMatches":{"_0":{"flows":[{"captureID":3,"communityID":"1:x=","destination":"10.0.0.2","destinationBytes":0,"destinationPackets":0,"destinationPort":2,"destinationTCPFlags":0,"end":2,"firstFrame":1,"id":9,"isFinal":false,"protocolNumber":6,"reason":"period","source":"10.0.0.1","sourceBytes":60,"sourcePackets":1,"sourcePort":1,"sourceTCPFlags":2,"start":1,"vlans":[10]}],"hunt":{"createdAt":1,"dataset":"dns","enabled":true,"id":4,"lastError":"stopped","matched":3,"name":"dga","query":"dns.question.name endswith \".top\"","target":"events"},"lastOrdinal":3}}}"#),
        (.reply(.failed(message: "x")),
         #"{"failed":{"message":"x"}}"#),
    ]

    /// The payload's JSON with its keys sorted.
    static func canonical(_ payload: [UInt8]) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(payload))
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    @Test(arguments: pins.indices) func encodesAsPinned(_ index: Int) throws {
        let (body, json) = Self.pins[index]
        #expect(try Self.canonical(QueryMessage(body).encodePayload()) == json)
    }

    /// Every kind but `exportFrames` (binary, `ExportFramesWireTests`) is pinned.
    @Test func everyKindIsPinned() {
        let pinned = Set(Self.pins.map { String($0.1.dropFirst(2).prefix { $0 != "\"" }) })
        #expect(pinned == Set(QueryMessage.Body.decoders.keys).subtracting(["exportFrames"]))
    }

    /// A kind no resource knows is an error that names it, never a default.
    @Test func anUnknownKindIsAnError() {
        #expect { try QueryMessage(payload: Array(#"{"listWidgets":{}}"#.utf8), itemCount: 1) } throws: {
            "\($0)".contains(#"unknown query.v1 kind "listWidgets""#)
        }
        for json in [#"{}"#, #"{"getTotals":{},"listSensors":{}}"#, #"[]"#, #"{"getCapture":{}}"#] {
            #expect(throws: WireError.self) { try QueryMessage(payload: Array(json.utf8), itemCount: 1) }
        }
    }

    @Test(arguments: pins.indices) func decodesFromThePin(_ index: Int) throws {
        let (body, json) = Self.pins[index]
        #expect(try QueryMessage(payload: Array(json.utf8), itemCount: 1).body == body)
    }
}
