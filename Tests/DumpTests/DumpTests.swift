import Capture
import Dissection
import Dump
import Foundation
import Testing
import TestSupport

/// `netsift dump` as a whole: what it prints for real capture files.
@Suite("netsift dump")
struct DumpTests {
    static let second: Int64 = 1_000_000_000

    /// Frames of a small conversation: a TCP handshake both ways, a UDP
    /// query and reply, an ICMP echo pair, an ARP frame, and an IPv4
    /// datagram in two fragments.
    static func conversation() -> [[UInt8]] {
        let client = "192.0.2.1", server = "198.51.100.2"
        let eth = Build.ethernet(type: 0x0800)
        let udpWhole = Build.udp(sport: 5353, dport: 53, payload: Build.bytes(24))
        return [
            eth + Build.ipv4(src: client, dst: server, proto: 6, payload: Build.tcp(sport: 40000, dport: 80, flags: 0x02)),
            eth + Build.ipv4(src: server, dst: client, proto: 6, payload: Build.tcp(sport: 80, dport: 40000, flags: 0x12)),
            eth + Build.ipv4(src: client, dst: server, proto: 6, payload: Build.tcp(sport: 40000, dport: 80, flags: 0x10)),
            eth + Build.ipv4(src: client, dst: server, proto: 17, payload: Build.udp(sport: 5353, dport: 53, payload: Build.bytes(12))),
            eth + Build.ipv4(src: server, dst: client, proto: 17, payload: Build.udp(sport: 53, dport: 5353, payload: Build.bytes(40))),
            eth + Build.ipv4(src: client, dst: server, proto: 1, payload: Build.echo(type: 8, id: 7, seq: 1)),
            eth + Build.ipv4(src: server, dst: client, proto: 1, payload: Build.echo(type: 0, id: 7, seq: 1)),
            Build.ethernet(type: 0x0806) + Build.bytes(28),
            eth + Build.ipv4(src: client, dst: server, proto: 17, payload: Array(udpWhole[0..<16]), id: 99, moreFragments: true),
            eth + Build.ipv4(src: client, dst: server, proto: 17, payload: Array(udpWhole[16...]), id: 99, fragmentOffset: 16),
        ]
    }

    static func writeCapture(_ frames: [[UInt8]], to path: String, start: Int64 = 1_700_000_000 * second) throws {
        var writer = PcapWriter(linkType: .ethernet)
        for (i, f) in frames.enumerated() { writer.append(timestamp: start + Int64(i) * 1_000_000, frame: f) }
        try Data(writer.bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Runs the dump into a temporary file and returns its lines.
    static func run(_ path: String, _ configure: (inout DumpOptions) -> Void = { _ in }) throws -> (lines: [String], summary: DumpSummary) {
        var options = DumpOptions()
        options.format = .json
        configure(&options)
        let outPath = NSTemporaryDirectory() + "netsift-dump-\(UUID().uuidString).out"
        let fd = open(outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        #expect(fd >= 0)
        defer { unlink(outPath) }
        var output = Output(descriptor: fd)
        let summary = try Dump.run(path: path, options: options, output: &output)
        output.flush()
        close(fd)
        let text = try String(contentsOfFile: outPath, encoding: .utf8)
        return (text.split(separator: "\n").map(String.init), summary)
    }

    static func objects(_ lines: [String]) throws -> [[String: Any]] {
        try lines.map { line in
            let value = try JSONSerialization.jsonObject(with: Data(line.utf8))
            guard let object = value as? [String: Any] else { throw DumpTestError.notAnObject(line) }
            return object
        }
    }

    static func temporaryDirectory() throws -> String {
        let dir = NSTemporaryDirectory() + "netsift-dump-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("JSON: one object per packet with ECS fields, and flows that account for every IP frame")
    func jsonPacketsAndFlows() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/conversation.pcap"
        let frames = Self.conversation()
        try Self.writeCapture(frames, to: path)

        let objects = try Self.objects(try Self.run(path).lines)
        let packets = objects.filter { ($0["event"] as? [String: Any])?["dataset"] as? String == "packet" }
        let flows = objects.filter { ($0["event"] as? [String: Any])?["dataset"] as? String == "flow" }
        #expect(packets.count == frames.count)
        #expect(packets.map { ($0["frame"] as? [String: Any])?["number"] as? Int } == Array(1...frames.count))

        let first = try #require(packets.first)
        #expect((first["source"] as? [String: Any])?["ip"] as? String == "192.0.2.1")
        #expect((first["source"] as? [String: Any])?["port"] as? Int == 40000)
        #expect((first["destination"] as? [String: Any])?["port"] as? Int == 80)
        #expect((first["network"] as? [String: Any])?["transport"] as? String == "tcp")
        #expect((first["layers"] as? [String: Any])?["L4o"] as? Int == 34)
        #expect((first["tcp"] as? [String: Any])?["flags"] as? String == "S")
        #expect(first["@timestamp"] as? String == "2023-11-14T22:13:20.000000000Z")

        // The ARP frame belongs to no flow; the first fragment waits.
        #expect(packets[7]["flow"] == nil && packets[7]["source"] == nil)
        #expect((packets[8]["source"] as? [String: Any])?["port"] == nil)
        let completing = try #require(packets[9]["ip"] as? [String: Any])
        #expect(completing["reassembled_from"] as? [Int] == [9, 10])
        #expect((packets[9]["destination"] as? [String: Any])?["port"] as? Int == 53)

        // Every IP frame is counted in exactly one final flow report.
        let finals = flows.filter { ($0["flow"] as? [String: Any])?["final"] as? Bool == true }
        let counted = finals.reduce(0) { $0 + ((($1["network"] as? [String: Any])?["packets"] as? Int) ?? 0) }
        #expect(counted == frames.count - 1)
        // TCP, UDP (the reassembled datagram has the query's ports) and the ICMP echo pair.
        #expect(finals.count == 3)
        for flow in finals {
            let network = try #require(flow["network"] as? [String: Any])
            #expect((network["community_id"] as? String)?.hasPrefix("1:") == true)
            let event = try #require(flow["event"] as? [String: Any])
            #expect(event["start"] is String && event["end"] is String)
            #expect((flow["source"] as? [String: Any])?["packets"] is Int)
            #expect((flow["destination"] as? [String: Any])?["bytes"] is Int)
        }
        // A packet's Community ID is its flow's.
        for packet in packets {
            guard let id = (packet["flow"] as? [String: Any])?["id"] as? String else { continue }
            let flow = try #require(finals.first { ($0["flow"] as? [String: Any])?["id"] as? String == id })
            #expect((packet["network"] as? [String: Any])?["community_id"] as? String
                    == (flow["network"] as? [String: Any])?["community_id"] as? String)
        }
    }

    @Test("text: a line per packet, numbered as in the file, and a line per flow report")
    func textLines() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/conversation.pcap"
        try Self.writeCapture(Self.conversation(), to: path)
        let lines = try Self.run(path) { $0.format = .text }.lines
        let packetLines = lines.filter { !$0.hasPrefix("flow ") && !$0.hasPrefix("  ") }
        #expect(packetLines.count == 10)
        for (i, line) in packetLines.enumerated() { #expect(line.hasPrefix("\(i + 1) 2023-11-14T22:13:20.")) }
        #expect(packetLines[0].contains("IP 192.0.2.1.40000 > 198.51.100.2.80: tcp Flags [S]"))
        #expect(packetLines[7].contains("ethertype 0x806 (ARP)"))
        #expect(lines.filter { $0.hasPrefix("flow ") }.count == 3)
    }

    @Test("--count stops after N packets and still flushes their flows")
    func count() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/conversation.pcap"
        try Self.writeCapture(Self.conversation(), to: path)
        let objects = try Self.objects(try Self.run(path) { $0.count = 3 }.lines)
        let packets = objects.filter { ($0["event"] as? [String: Any])?["dataset"] as? String == "packet" }
        let flows = objects.filter { ($0["event"] as? [String: Any])?["dataset"] as? String == "flow" }
        #expect(packets.count == 3)
        #expect(flows.count == 1)
        #expect((flows.first?["network"] as? [String: Any])?["packets"] as? Int == 3)
    }

    @Test("--bpf keeps the file's frame numbers")
    func bpfKeepsNumbers() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/conversation.pcap"
        try Self.writeCapture(Self.conversation(), to: path)
        let objects = try Self.objects(try Self.run(path) { $0.filter = "icmp or arp" }.lines)
        let numbers = objects.compactMap { ($0["frame"] as? [String: Any])?["number"] as? Int }
        #expect(numbers == [6, 7, 8])
    }

    @Test("a bad BPF expression is a clear error")
    func badFilter() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/conversation.pcap"
        try Self.writeCapture(Self.conversation(), to: path)
        do {
            _ = try Self.run(path) { $0.filter = "tcp port" }
            Issue.record("expected a filter error")
        } catch let error as CaptureError {
            #expect(error.kind == .filter)
            #expect(error.description.contains("bad filter"))
        }
    }

    @Test("a directory: captures in name order, each numbered from 1, other files skipped")
    func directory() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let frames = Self.conversation()
        try Self.writeCapture(Array(frames[3...4]), to: dir + "/b.pcap")
        try Self.writeCapture(Array(frames[0...2]), to: dir + "/a.pcap")
        try Data("not a capture".utf8).write(to: URL(fileURLWithPath: dir + "/notes.txt"))
        let (lines, summary) = try Self.run(dir)
        #expect(summary.captures.map { ($0.path as NSString).lastPathComponent } == ["a.pcap", "b.pcap"])
        #expect(summary.skipped.map { ($0 as NSString).lastPathComponent } == ["notes.txt"])
        let packets = try Self.objects(lines).compactMap { $0["frame"] as? [String: Any] }
        #expect(packets.map { $0["capture"] as? Int } == [1, 1, 1, 2, 2])
        #expect(packets.map { $0["number"] as? Int } == [1, 2, 3, 1, 2])
    }

    @Test("a file cut mid-record: the frames before the cut are printed and the failure reported")
    func truncatedFile() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/cut.pcap"
        try Self.writeCapture(Self.conversation(), to: path)
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        try whole.prefix(whole.count - 10).write(to: URL(fileURLWithPath: path))
        let (lines, summary) = try Self.run(path)
        let packets = try Self.objects(lines).filter { ($0["event"] as? [String: Any])?["dataset"] as? String == "packet" }
        #expect(packets.count == 9)
        let failure = try #require(summary.failures.first)
        #expect(failure.kind == .read)
        #expect(summary.captures.first?.stats.frames == 9)
    }

    @Test("a missing path is a clear error")
    func missingPath() {
        #expect(throws: CaptureError.self) { _ = try Self.run("/nonexistent/netsift/capture.pcap") }
    }
}

enum DumpTestError: Error {
    case notAnObject(String)
}
