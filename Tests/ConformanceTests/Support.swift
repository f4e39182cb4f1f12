import Capture
import CaptureDecoding
import Dissection
import Flows
import Foundation
import TestSupport
import Testing

/// Where the shared captures live: `$NETSIFT_SHARED`, else
/// `<package root>/../shared/pcaps`. Nil when neither exists; the tests that
/// need them are then disabled with a message saying so.
enum SharedPcaps {
    static let root: String? = {
        if let env = ProcessInfo.processInfo.environment["NETSIFT_SHARED"], !env.isEmpty {
            return isDirectory(env) ? env : nil
        }
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // ConformanceTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // package root
        let path = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/pcaps").standardizedFileURL.path
        return isDirectory(path) ? path : nil
    }()

    static var available: Bool { root != nil }

    /// Paths relative to `root` of every .pcap/.pcapng, all subfolders, sorted.
    static let captures: [String] = {
        guard let root, let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var out: [String] = []
        while let rel = walker.nextObject() as? String {
            if rel.hasSuffix(".pcap") || rel.hasSuffix(".pcapng") { out.append(rel) }
        }
        return out.sorted()
    }()

    static func path(_ relative: String) -> String {
        ((root ?? "") as NSString).appendingPathComponent(relative)
    }

    static func isDirectory(_ path: String) -> Bool {
        var dir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &dir) && dir.boolValue
    }
}

/// tshark, found on PATH (or its usual places).
enum TShark {
    static let path: String? = {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
            + ["/usr/bin", "/usr/local/bin", "/opt/homebrew/bin"]
        return dirs.map { ($0 as NSString).appendingPathComponent("tshark") }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static var available: Bool { path != nil }

    /// Runs tshark (no shell) and returns its standard output; stderr (the
    /// "running as root" notice) is discarded.
    static func run(_ arguments: [String]) throws -> Data {
        guard let path else { throw ToolError(message: "tshark not found") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ToolError(message: "tshark \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
        return data
    }

    /// Runs tshark with its standard output written to `file`.
    static func run(_ arguments: [String], to file: URL) throws {
        guard let path else { throw ToolError(message: "tshark not found") }
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        let out = try FileHandle(forWritingTo: file)
        defer { try? out.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ToolError(message: "tshark \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
    }
}

struct ToolError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// What the decoder delivered for one frame.
typealias FrameResult = RecordingSink.Delivered

struct DecodeRun {
    var frames: [FrameResult]
    var flows: [FlowReport]
    /// Set when the reader returned `.failed`.
    var failure: CaptureError?
    var stats: DecodeStats

    func frame(_ number: UInt64) -> FrameResult? {
        let index = Int(number) - 1
        guard index >= 0, index < frames.count, frames[index].number == number else {
            return frames.first { $0.number == number }
        }
        return frames[index]
    }
}

/// Decodes a whole capture file the way `netsift dump` does.
func decodeCapture(_ path: String, config: DecoderConfig = DecoderConfig()) throws -> DecodeRun {
    let reader = try PcapFileReader(path: path)
    var decoder = CaptureDecoder(config: config)
    var sink = RecordingSink()
    var failure: CaptureError? = nil
    reading: while true {
        switch reader.next() {
        case .frame(let frame): decoder.decode(frame, into: &sink)
        case .end: break reading
        case .failed(let error):
            failure = error
            break reading
        }
    }
    decoder.finish(into: &sink)
    return DecodeRun(frames: sink.packets, flows: sink.flows, failure: failure, stats: decoder.stats)
}

/// Collects mismatches of one capture and records them as issues, capped so
/// one broken file cannot flood the log.
struct Mismatches {
    let file: String
    private(set) var all: [String] = []

    init(file: String) { self.file = file }

    mutating func check<T: Equatable>(_ frame: UInt64, _ field: String, netsift: T, tshark: T) {
        if netsift != tshark { add(frame, field, netsift: "\(netsift)", tshark: "\(tshark)") }
    }

    mutating func add(_ frame: UInt64, _ field: String, netsift: String, tshark: String) {
        all.append("\(file) frame \(frame) \(field): netsift=\(netsift) tshark=\(tshark)")
    }

    func record(sourceLocation: SourceLocation = #_sourceLocation) {
        for message in all.prefix(40) {
            Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
        }
        if all.count > 40 {
            Issue.record(Comment(rawValue: "\(file): \(all.count - 40) more mismatches not shown"),
                         sourceLocation: sourceLocation)
        }
    }
}
