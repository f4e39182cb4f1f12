import Foundation
import Testing

/// The shared captures: `$NETSIFT_SHARED` (the shared directory holding
/// `pcaps`, or the pcaps directory itself), else `<package root>/../shared/pcaps`.
public enum SharedCaptures {
    public static let root: String? = {
        let fileManager = FileManager.default
        func isDirectory(_ path: String) -> Bool {
            var directory: ObjCBool = false
            return fileManager.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
        }
        if let env = ProcessInfo.processInfo.environment["NETSIFT_SHARED"], !env.isEmpty {
            let nested = (env as NSString).appendingPathComponent("pcaps")
            return isDirectory(nested) ? nested : (isDirectory(env) ? env : nil)
        }
        let path = PostgresTestServer.repositoryRoot.deletingLastPathComponent()
            .appendingPathComponent("shared/pcaps").standardizedFileURL.path
        return isDirectory(path) ? path : nil
    }()

    public static var available: Bool { root != nil }
    public static let skipMessage: Comment =
        "shared captures not found at <package root>/../shared/pcaps and NETSIFT_SHARED is unset; skipping"

    /// Absolute paths of every .pcap/.pcapng under `root/folder`, sorted.
    public static func captures(in folder: String = "") -> [String] {
        guard let root else { return [] }
        let base = folder.isEmpty ? root : (root as NSString).appendingPathComponent(folder)
        guard let walker = FileManager.default.enumerator(atPath: base) else { return [] }
        var out: [String] = []
        while let relative = walker.nextObject() as? String {
            if relative.hasSuffix(".pcap") || relative.hasSuffix(".pcapng") {
                out.append((base as NSString).appendingPathComponent(relative))
            }
        }
        return out.sorted()
    }

    public static func path(_ relative: String) -> String {
        ((root ?? "") as NSString).appendingPathComponent(relative)
    }

    /// capinfos' packet count and data size (the sum of wire lengths), when it is installed.
    public static func capinfos(_ path: String) -> (packets: UInt64, bytes: UInt64)? {
        let executable = "/usr/bin/capinfos"
        guard FileManager.default.isExecutableFile(atPath: executable) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-T", "-r", "-c", "-d", "-M", path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let fields = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            .split(separator: "\t")
        guard process.terminationStatus == 0, fields.count >= 3,
              let packets = UInt64(fields[fields.count - 2]), let bytes = UInt64(fields[fields.count - 1]) else { return nil }
        return (packets, bytes)
    }
}

