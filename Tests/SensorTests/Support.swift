import Capture
import Dissection
import Foundation
import Sensor
import TestSupport
import Wire

func randomV4(_ rng: inout SplitMix64) -> String {
    IPAddress(v4: UInt32.random(in: 1 ... .max, using: &rng)).description
}

func randomV6(_ rng: inout SplitMix64) -> String {
    IPAddress(v6High: rng.next() | 1 << 61, v6Low: rng.next()).description
}

func lane(_ shard: FlowShard, _ frame: [UInt8], _ linkType: LinkType = .ethernet) -> Int {
    frame.withUnsafeBytes { shard.lane(for: $0, linkType: linkType, wireLength: frame.count) }
}

/// Frames as a test builds them: (number, timestamp, bytes).
struct TestFrame {
    var number: UInt64
    var timestamp: Int64
    var bytes: [UInt8]
    var linkType: LinkType = .ethernet
}

extension FrameBatcher {
    mutating func append(_ f: TestFrame, lane: Int) -> [Output] {
        f.bytes.withUnsafeBytes {
            append(number: f.number, timestamp: f.timestamp, wireLength: f.bytes.count, linkType: f.linkType,
                   bytes: $0, lane: lane)
        }
    }
}

/// A temporary file holding `bytes`; removed by the caller.
func temporaryFile(_ name: String, _ bytes: [UInt8]) throws -> String {
    let path = NSTemporaryDirectory() + "netsift-sensor-\(name)-\(UUID().uuidString).pcap"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

/// Where the shared captures live: `$NETSIFT_SHARED` (its `pcaps` folder,
/// or the folder itself), else `<package root>/../shared/pcaps`.
enum SharedPcaps {
    static let directory: String? = {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["NETSIFT_SHARED"], !env.isEmpty {
            candidates += [env + "/pcaps", env]
        }
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // SensorTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // package root
        candidates.append(root.deletingLastPathComponent().appendingPathComponent("shared/pcaps").standardizedFileURL.path)
        return candidates.first { isDirectory($0) }
    }()

    /// Every .pcap / .pcapng below the directory, sorted.
    static let captures: [String] = {
        guard let dir = directory, let walker = FileManager.default.enumerator(atPath: dir) else { return [] }
        var out: [String] = []
        while let rel = walker.nextObject() as? String {
            if rel.hasSuffix(".pcap") || rel.hasSuffix(".pcapng") { out.append(dir + "/" + rel) }
        }
        return out.sorted()
    }()

    static func isDirectory(_ path: String) -> Bool {
        var dir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &dir) && dir.boolValue
    }
}

/// Decodes what a run emitted, per lane.
struct Received {
    var batches: [[FrameBatch]]
    var messages: [[Message]]
    var envelopes: [[Envelope]]

    init(lanes: Int) {
        batches = Array(repeating: [], count: lanes)
        messages = Array(repeating: [], count: lanes)
        envelopes = Array(repeating: [], count: lanes)
    }

    mutating func add(lane: Int, _ envelope: Envelope) throws {
        // Through the wire bytes, as a decoder would get them.
        let decoded = try Envelope(frames: envelope.frames)
        let message = try Message(decoded)
        envelopes[lane].append(decoded)
        messages[lane].append(message)
        if case .frames(let batch) = message { batches[lane].append(batch) }
    }
}
