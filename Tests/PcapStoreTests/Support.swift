import Capture
import Dissection
import Foundation
import PcapStore
import Testing

/// A fresh directory under the system temp dir, removed on deinit.
final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/pcapstore-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else { throw ToolError(message: "mkdtemp failed") }
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func sub(_ name: String) -> String { path + "/" + name }
}

struct ToolError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// A packet as written and as any reader returns it.
struct TestPacket: Equatable, CustomStringConvertible {
    var timestamp: Int64
    var wireLength: Int
    var bytes: [UInt8]

    var description: String { "\(timestamp) \(bytes.count)/\(wireLength)" }
}

/// Deterministic packets: sizes 14…1514 from a small LCG, some snaplen-cut
/// (wire length above captured length), `step` ns apart from `start`.
func makePackets(count: Int, start: Int64, step: Int64 = 1_234_567, seed: UInt64 = 1) -> [TestPacket] {
    var state = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state >> 33
    }
    return (0..<count).map { i in
        let length = 14 + Int(next() % 1501)
        let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: next()) }
        let cut = i % 7 == 3
        return TestPacket(timestamp: start + Int64(i) * step, wireLength: cut ? length + 100 : length, bytes: bytes)
    }
}

/// 2024-03-10T12:00:00Z in nanoseconds.
let noonMarch10: Int64 = 1_710_072_000 * 1_000_000_000
let sensorA = UUID(uuidString: "6F1C2A3B-4D5E-4F60-8172-93A4B5C6D7E8")!
let sensorB = UUID(uuidString: "00000000-0000-4000-8000-000000000001")!

extension PcapStoreWriter {
    /// Appends test packets under keys derived from their times, numbered
    /// from `firstFrame` in order, their index entries from `testEntry`.
    @discardableResult
    func append(_ packets: [TestPacket], sensor: UUID = sensorA, capture: UInt64 = 1,
                linkType: LinkType = .ethernet, firstFrame: UInt64 = 1) throws -> [PacketPosition] {
        try packets.enumerated().map { i, p in
            try append(key: SegmentKey(sensor: sensor, capture: capture, linkType: linkType, timestamp: p.timestamp),
                       timestamp: p.timestamp, frame: p.bytes, wireLength: p.wireLength,
                       entry: testEntry(frame: firstFrame + UInt64(i)))
        }
    }
}

/// An index entry with every field set from the frame number (the writer
/// fills in time, lengths and offset).
func testEntry(frame: UInt64) -> PacketIndexEntry {
    var vlans = VLANStack()
    for id in 0..<(frame % 5) { _ = vlans.push(UInt16(truncatingIfNeeded: 100 + frame + id) & 0x0fff) }
    let n = UInt32(truncatingIfNeeded: frame)
    return PacketIndexEntry(
        frameNumber: frame, flowKey: frame % 3 == 0 ? nil : frame &* 0x9E37_79B9_7F4A_7C15,
        anomalies: frame % 4 == 0 ? 0 : 1 << (frame % 64),
        layers: PacketLayers(l2Length: 14, l3Type: frame % 2 == 0 ? 0x0800 : 0x86DD, l3Offset: 14, l3Length: 20 + n % 40,
                             l4Type: UInt8(truncatingIfNeeded: frame % 3 == 0 ? 17 : 6), l4Offset: 34 + n % 40,
                             l4Length: 8 + n % 32, l5Offset: 300_000 + n, l5Length: 70_000 + n),
        source: frame % 3 == 0 ? nil : frame % 2 == 0 ? IPAddress(v4: UInt32(truncatingIfNeeded: frame))
            : IPAddress(v6High: 0x2001_0db8 << 32 | frame, v6Low: ~frame),
        destination: frame % 5 == 0 ? nil : IPAddress(v4: 0xC000_0201),
        sourcePort: frame % 7 == 0 ? nil : UInt16(truncatingIfNeeded: frame), destinationPort: frame % 11 == 0 ? nil : 443,
        vlans: vlans)
}

/// Reads a whole file through libpcap (the project's `PcapFileReader`).
func readWithLibpcap(_ path: String) throws -> (linkType: LinkType, packets: [TestPacket]) {
    let reader = try PcapFileReader(path: path)
    var packets: [TestPacket] = []
    loop: while true {
        switch reader.next() {
        case .frame(let frame):
            packets.append(TestPacket(timestamp: frame.timestamp, wireLength: frame.wireLength, bytes: Array(frame.bytes)))
        case .end: break loop
        case .failed(let error): throw error
        }
    }
    return (reader.linkType, packets)
}

func fileSize(_ path: String) -> UInt64? {
    (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? UInt64
}

func fileBytes(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// tshark, when installed.
enum TShark {
    static let path: String? = {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
            + ["/usr/bin", "/usr/local/bin"]
        return dirs.map { $0 + "/tshark" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static var available: Bool { path != nil }

    /// Packets as `tshark -r FILE -T json -x` reports them, with each
    /// packet's interface id (0 for pcap).
    static func read(_ file: String) throws -> [(interface: Int, packet: TestPacket)] {
        guard let path else { throw ToolError(message: "tshark not found") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-r", file, "-T", "json", "-x", "-j", "frame"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ToolError(message: "tshark -r \(file) exited \(process.terminationStatus)") }
        guard let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw ToolError(message: "tshark json is not a list")
        }
        return try list.map { entry in
            guard let source = entry["_source"] as? [String: Any],
                  let layers = source["layers"] as? [String: Any],
                  let frame = layers["frame"] as? [String: Any],
                  let epoch = frame["frame.time_epoch"] as? String,
                  let caplen = (frame["frame.cap_len"] as? String).flatMap({ Int($0) }),
                  let wirelen = (frame["frame.len"] as? String).flatMap({ Int($0) }),
                  let raw = layers["frame_raw"] as? [Any], let hex = raw.first as? String
            else { throw ToolError(message: "unexpected tshark json entry") }
            let interface = (frame["frame.interface_id"] as? String).flatMap { Int($0) } ?? 0
            let bytes = try hexBytes(hex)
            guard bytes.count == caplen else { throw ToolError(message: "frame_raw \(bytes.count) ≠ cap_len \(caplen)") }
            return (interface, TestPacket(timestamp: try nanoseconds(epoch), wireLength: wirelen, bytes: bytes))
        }
    }

    /// "1700000000.123456789" → ns, exactly (no floating point).
    static func nanoseconds(_ epoch: String) throws -> Int64 {
        let parts = epoch.split(separator: ".")
        guard parts.count == 2, let seconds = Int64(parts[0]), parts[1].count == 9, let nanos = Int64(parts[1]) else {
            throw ToolError(message: "time_epoch \(epoch) is not seconds.nnnnnnnnn")
        }
        return seconds * 1_000_000_000 + nanos
    }

    static func hexBytes(_ hex: String) throws -> [UInt8] {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { throw ToolError(message: "odd hex") }
        return try stride(from: 0, to: digits.count, by: 2).map { i in
            guard let byte = UInt8(String(decoding: digits[i..<i + 2], as: UTF8.self), radix: 16) else {
                throw ToolError(message: "bad hex")
            }
            return byte
        }
    }
}

/// A strict little-endian pcapng parser for the tests: block lengths, the
/// trailing length copy, IDB linktypes and if_tsresol, EPB contents.
struct ParsedPcapng {
    var interfaces: [(linkType: UInt32, tsresol: UInt8?)] = []
    var packets: [(interface: Int, packet: TestPacket)] = []

    init(_ bytes: [UInt8]) throws {
        func le32(_ i: Int) throws -> UInt32 {
            guard i + 4 <= bytes.count else { throw ToolError(message: "read past end at \(i)") }
            return UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
        }
        func le16(_ i: Int) throws -> UInt16 { UInt16(truncatingIfNeeded: try le32(i)) }
        var at = 0
        var first = true
        while at < bytes.count {
            let type = try le32(at)
            let length = Int(try le32(at + 4))
            guard length >= 12, length % 4 == 0, at + length <= bytes.count else { throw ToolError(message: "bad block length \(length) at \(at)") }
            guard try le32(at + length - 4) == UInt32(length) else { throw ToolError(message: "trailing length mismatch at \(at)") }
            if first {
                guard type == 0x0A0D_0D0A, try le32(at + 8) == 0x1A2B_3C4D else { throw ToolError(message: "no SHB first") }
                first = false
            } else if type == 1 {
                let linkType = UInt32(try le16(at + 8))
                var tsresol: UInt8?
                var option = at + 16
                while option + 4 <= at + length - 4 {
                    let code = try le16(option), optionLength = Int(try le16(option + 2))
                    if code == 0 { break }
                    if code == 9 { tsresol = bytes[option + 4] }
                    option += 4 + ((optionLength + 3) & ~3)
                }
                interfaces.append((linkType, tsresol))
            } else if type == 6 {
                let interface = Int(try le32(at + 8))
                let ticks = UInt64(try le32(at + 12)) << 32 | UInt64(try le32(at + 16))
                let caplen = Int(try le32(at + 20)), wirelen = Int(try le32(at + 24))
                guard 28 + ((caplen + 3) & ~3) + 4 <= length, interface < interfaces.count else {
                    throw ToolError(message: "bad EPB at \(at)")
                }
                packets.append((interface, TestPacket(timestamp: Int64(ticks), wireLength: wirelen,
                                                      bytes: Array(bytes[(at + 28)..<(at + 28 + caplen)]))))
            }
            at += length
        }
    }
}
