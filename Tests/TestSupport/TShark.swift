import Foundation

/// `tshark -n -r FILE [-Y FILTER] -T fields -e …`: one row per frame shown,
/// columns tab-separated (several occurrences of a field comma-separated
/// with `extra: ["-E", "occurrence=a"]`).
public enum TShark {
    public static let path = "/usr/bin/tshark"
    public static var available: Bool { FileManager.default.isExecutableFile(atPath: path) }

    public static func fields(_ file: String, _ fields: [String], filter: String? = nil,
                              extra: [String] = []) -> [[String]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-n", "-r", file] + extra + (filter.map { ["-Y", $0] } ?? []) + ["-T", "fields"]
            + fields.flatMap { ["-e", $0] }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return [] }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
    }
}
