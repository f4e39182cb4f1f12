import Capture
import Foundation
import Search
import Testing
import TestSupport

/// Packets, flows and pcap downloads through the real processes
/// (gateway → search → PostgreSQL, gateway → storage → pcap store).
@Suite(.serialized, .enabled(if: NetSiftSystem.available && FileManager.default.isExecutableFile(atPath: "/usr/bin/curl"),
                             NetSiftSystem.skipMessage))
struct TrafficAPISystemTests {
    /// Every frame of a capture through `packets?after=`, a page at a time.
    static func allPackets(_ system: NetSiftSystem, capture: UInt64, limit: Int = 1_000) -> [[String: Any]] {
        var packets: [[String: Any]] = []
        var after = 0
        while true {
            let page = system.api("/captures/\(capture)/packets?after=\(after)&limit=\(limit)", key: system.adminKey)
            guard let stream = page.body["ReturnValue"] as? [String: Any],
                  let list = stream["Packets"] as? [[String: Any]], let last = stream["LastPacketId"] as? Int else {
                Issue.record("capture \(capture) after \(after): \(page.status)")
                return packets
            }
            packets += list
            if list.isEmpty || last == after { return packets }
            after = last
        }
    }

    @Test(.enabled(if: SharedCaptures.available && FileManager.default.isExecutableFile(atPath: "/usr/bin/tshark"),
                   SharedCaptures.skipMessage))
    func packetsFlowsAndDownloadsMatchTheCaptures() throws {
        let system = try NetSiftSystem(decoders: 2)
        defer { system.shutdown() }
        let db = try system.database()
        let scratch = system.data + "/downloads"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        var checkedCaptures = 0
        var checkedFlows = 0
        for folder in ["http", "vlan", "ipv6", "fragments", "icmp"] {
            let output = system.ingest(SharedCaptures.path(folder))
            for capture in NetSiftSystem.captures(in: output.stdout) {
                let name = (capture.path as NSString).lastPathComponent
                let original = try Self.frames(capture.path)
                let meta = system.api("/captures/\(capture.id)/meta", key: system.adminKey).body["ReturnValue"] as? [String: Any]
                #expect(meta?["TotalPackets"] as? Int == original.count, "\(name) meta")
                #expect(meta?["LastPacketId"] as? Int == original.count, "\(name): every frame of a complete capture is settled")

                // PACKETSTREAM: every frame once, in order; bytes as tshark prints them; offsets as the decoder's.
                let packets = Self.allPackets(system, capture: capture.id, limit: 7)
                #expect(packets.compactMap { $0["Id"] as? Int } == Array(1 ... original.count), "\(name) frame ids")
                let tsharkBytes = TSharkFrames(capture.path).hex
                let dumped = try Self.dumpLayers(capture.path)
                for packet in packets {
                    guard let id = packet["Id"] as? Int else { continue }
                    #expect(packet["HexBytes"] as? String == tsharkBytes[id], "\(name) frame \(id) bytes")
                    for field in ["L2t", "L2l", "L3t", "L3o", "L3l", "L4t", "L4o", "L4l", "L5o", "L5l"] {
                        #expect(packet[field] as? Int == dumped[id]?[field], "\(name) frame \(id) \(field)")
                    }
                }

                // The capture's download holds its frames as they were.
                let file = scratch + "/capture-\(capture.id).pcap"
                #expect(system.download("/captures/\(capture.id)/pcap", key: system.adminKey, to: file) == 200)
                #expect(try Self.frames(file) == original, "\(name): downloaded capture differs from the original")

                // Each flow's download holds exactly its packets; Community ID pivots find it.
                let flows = system.api("/captures/\(capture.id)/flows?limit=1000", key: system.adminKey)
                    .body["ReturnValue"] as? [String: Any]
                let items = flows?["Items"] as? [[String: Any]] ?? []
                let stored = try db.query("SELECT count(*) FROM flows WHERE capture_id = $1", [Int64(capture.id)]).scalar
                #expect(items.count == stored.flatMap { Int($0) }, "\(name) flows")
                for flow in items.prefix(10) {
                    guard let id = flow["Id"] as? Int, let community = flow["CommunityId"] as? String else { continue }
                    let path = scratch + "/flow-\(id).pcap"
                    #expect(system.download("/flows/\(id)/pcap", key: system.adminKey, to: path) == 200)
                    let expected = packets.filter { $0["ConnectionId"] as? Int == id }.compactMap { $0["HexBytes"] as? String }
                    #expect(try Self.frames(path).map(\.hex) == expected, "\(name) flow \(id) download")
                    #expect(TSharkFrames(path).hex.count == expected.count, "\(name) flow \(id): tshark reads it")
                    #expect((flow["SrcPackets"] as? Int ?? 0) + (flow["DstPackets"] as? Int ?? 0) == expected.count)
                    let one = system.api("/flows/\(id)", key: system.adminKey).body["ReturnValue"] as? [String: Any]
                    #expect(one?["CommunityId"] as? String == community)
                    let encoded = community.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? community
                    let pivot = system.api("/flows?community_id=\(encoded)&limit=1000", key: system.adminKey)
                        .body["ReturnValue"] as? [String: Any]
                    let pivotIDs = (pivot?["Items"] as? [[String: Any]] ?? []).compactMap { $0["Id"] as? Int }
                    #expect(pivotIDs.contains(id), "\(name) flow \(id) by Community ID \(community)")
                    checkedFlows += 1
                }
                checkedCaptures += 1
            }
        }
        #expect(checkedCaptures >= 10 && checkedFlows >= 20, "\(checkedCaptures) captures, \(checkedFlows) flows")
    }

    @Test func pollingWhileIngestingReturnsEveryFrameOnce() throws {
        let system = try NetSiftSystem(decoders: 2)
        defer { system.shutdown() }
        let path = system.data + "/polled.pcap"
        try SyntheticCapture.write(to: path, flows: 1_000, packetsPerFlow: 60, seconds: 30)
        let (ingest, _) = try system.startIngest(path)
        var capture: Int?
        let deadline = Date().addingTimeInterval(120)
        while capture == nil && Date() < deadline {
            let list = system.api("/captures", key: system.adminKey).body["ReturnValue"] as? [String: Any]
            capture = (list?["Items"] as? [[String: Any]])?.first?["CaptureId"] as? Int
            if capture == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        guard let capture else {
            Issue.record("no capture appeared")
            return
        }
        var seen: [Int] = []
        var after = 0
        var pollsWhileRunning = 0
        var total = -1
        while Date() < deadline {
            let status = (system.api("/captures/\(capture)/meta", key: system.adminKey).body["ReturnValue"]
                as? [String: Any])?["Status"] as? String
            let page = system.api("/captures/\(capture)/packets?after=\(after)&limit=1000", key: system.adminKey)
            guard let stream = page.body["ReturnValue"] as? [String: Any],
                  let list = stream["Packets"] as? [[String: Any]], let last = stream["LastPacketId"] as? Int else {
                Issue.record("poll after \(after): \(page.status)")
                break
            }
            if status == "running" { pollsWhileRunning += 1 }
            seen += list.compactMap { $0["Id"] as? Int }
            after = last
            total = stream["Total"] as? Int ?? -1
            if status == "complete" && list.isEmpty { break }
        }
        ingest.waitUntilExit()
        #expect(ingest.terminationStatus == 0)
        #expect(total == 60_000)
        #expect(seen.count == 60_000 && seen == Array(1 ... 60_000), "\(seen.count) frames; first gap or repeat at \(zip(seen, 1...).first { $0 != $1 }.map { "\($0)" } ?? "none")")
        #expect(pollsWhileRunning > 0, "the capture finished before the first poll")
    }

    /// (time, wire length, bytes as hex) of every frame, read with libpcap.
    struct FileFrame: Equatable {
        var timestamp: Int64
        var wireLength: Int
        var hex: String
    }

    static func frames(_ path: String) throws -> [FileFrame] {
        let reader = try PcapFileReader(path: path)
        var frames: [FileFrame] = []
        while case .frame(let frame) = reader.next() {
            frames.append(FileFrame(timestamp: frame.timestamp, wireLength: frame.wireLength,
                                    hex: frame.bytes.map { String(format: "%02x", $0) }.joined()))
        }
        return frames
    }

    /// The decoder's L* fields per frame, from `netsift dump --json`.
    static func dumpLayers(_ path: String) throws -> [Int: [String: Int]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: NetSiftSystem.netsift)
        process.arguments = ["dump", "--json", path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        var layers: [Int: [String: Int]] = [:]
        for line in data.split(separator: UInt8(ascii: "\n")) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  let number = (object["frame"] as? [String: Any])?["number"] as? Int ?? object["frame.number"] as? Int
            else { continue }
            var fields: [String: Int] = [:]
            for key in ["L2t", "L2l", "L3t", "L3o", "L3l", "L4t", "L4o", "L4l", "L5o", "L5l"] {
                fields[key] = Self.find(key, in: object)
            }
            layers[number] = fields
        }
        return layers
    }

    static func find(_ key: String, in object: [String: Any]) -> Int? {
        if let value = object[key] as? Int { return value }
        for value in object.values {
            if let nested = value as? [String: Any], let found = find(key, in: nested) { return found }
        }
        return nil
    }
}

/// Each frame's bytes as tshark prints them (`-x`, the frame_raw of `-T json`).
struct TSharkFrames {
    var hex: [Int: String] = [:]

    init(_ path: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/tshark")
        process.arguments = ["-n", "-r", path, "-T", "json", "-x", "-j", "frame"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard let list = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { return }
        for (index, packet) in list.enumerated() {
            let layers = (packet["_source"] as? [String: Any])?["layers"] as? [String: Any]
            if let raw = layers?["frame_raw"] as? [Any], let bytes = raw.first as? String {
                hex[index + 1] = bytes
            }
        }
    }
}
