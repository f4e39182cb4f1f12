import Foundation
import Testing

/// What the live tests need from the machine, and a way to run its tools.
public enum LiveEnvironment {
    public static let isRoot = getuid() == 0
    public static let ip = tool("ip")
    public static let tcpreplay = tool("tcpreplay")
    public static let sysctl = tool("sysctl")

    public static let rootMessage: Comment = "live capture needs root (CAP_NET_RAW); skipping"
    public static let vethMessage: Comment = "needs root and the ip, sysctl and tcpreplay tools (apt-get install iproute2 procps tcpreplay); skipping"
    public static var canReplay: Bool { isRoot && ip != nil && tcpreplay != nil && sysctl != nil }

    /// The tool's path in PATH or the sbin directories a test's PATH may lack.
    public static func tool(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        return directories.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public struct ToolFailure: Error, CustomStringConvertible {
        var command: [String]
        var status: Int32
        var output: String
        public var description: String { "\(command.joined(separator: " ")) exited with \(status): \(output)" }
    }

    /// Runs a tool with arguments (no shell) and returns its combined output.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let (status, output) = try outcome(executable, arguments)
        guard status == 0 else {
            throw ToolFailure(command: [executable] + arguments, status: status, output: output)
        }
        return output
    }

    /// Runs a tool with arguments (no shell): its exit status and combined output.
    public static func outcome(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Wall-clock nanoseconds since the Unix epoch, as capture timestamps are.
    public static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
