import Foundation
import PostgresClient
import TestSupport
import Testing

/// A whole NetSift started the way an operator does it — `netsift up` in a
/// fresh 0700 data directory, with its own PostgreSQL, supervised service
/// processes and real sockets — driven through the `netsift` command.
final class NetSiftSystem: @unchecked Sendable {
    let data: String
    let basePort: Int
    let decoders: Int
    let httpPort: Int
    let up: Process

    static let binaries = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        .map { ($0 as NSString).deletingLastPathComponent } ?? ""
    static var netsift: String { binaries + "/netsift" }
    static var available: Bool {
        FileManager.default.isExecutableFile(atPath: netsift)
            && FileManager.default.isExecutableFile(atPath: binaries + "/netsift-storage")
            && PostgresTestServer.binariesInstalled
    }
    static let skipMessage: Comment = "netsift binaries (swift build) or PostgreSQL server binaries missing"

    struct Failure: Error, CustomStringConvertible { let description: String }

    init(decoders: Int = 2, upArguments: [String] = [], environment: [String: String] = [:]) throws {
        let template = FileManager.default.temporaryDirectory.appendingPathComponent("netsift-system-XXXXXX").path
        var buffer = Array(template.utf8CString)
        guard let made = mkdtemp(&buffer) else { throw Failure(description: "mkdtemp failed") }
        data = String(cString: made) + "/data"
        self.decoders = decoders
        let reserved = 13 + 3 * decoders
        basePort = try Self.freeBlock(size: reserved)
        up = Process()
        up.executableURL = URL(fileURLWithPath: Self.netsift)
        httpPort = try Self.freeBlock(size: 1, avoiding: basePort ..< basePort + reserved)
        up.arguments = ["up", "--data", data, "--decoders", "\(decoders)", "--base-port", "\(basePort)",
                        "--port", "\(httpPort)"] + upArguments
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: data + "/up.log", contents: nil)
        let log = FileHandle(forWritingAtPath: data + "/up.log")
        up.standardOutput = log
        up.standardError = log
        up.standardInput = FileHandle.nullDevice
        up.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        try up.run()
        do {
            try waitUntilHealthy(timeout: .seconds(120))
        } catch {
            // A test that fails here must not leave its deployment running.
            shutdown()
            throw error
        }
    }

    func waitUntilHealthy(timeout: Duration) throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if run(["status", "--data", data]).status == 0 { return }
            guard up.isRunning else { throw Failure(description: "netsift up exited: \(log("up.log"))") }
            Thread.sleep(forTimeInterval: 0.5)
        }
        throw Failure(description: "not healthy after \(timeout): \(log("up.log"))")
    }

    func log(_ name: String) -> String {
        let path = name == "up.log" ? data + "/up.log" : data + "/logs/\(name).log"
        return (try? String(contentsOfFile: path, encoding: .utf8)).map { String($0.suffix(4_000)) } ?? ""
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `netsift` with arguments (no shell) and waits.
    @discardableResult
    func run(_ arguments: [String]) -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.netsift)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return Output(status: -1, stdout: "", stderr: "could not start") }
        let errors = ThreadBox { err.fileHandleForReading.readDataToEndOfFile() }
        let output = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: output, as: UTF8.self),
                      stderr: String(decoding: errors.value, as: UTF8.self))
    }

    func ingest(_ path: String) -> Output { run(["ingest", path, "--data", data, "--quiet"]) }

    /// Starts an ingest without waiting for it.
    func startIngest(_ path: String) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.netsift)
        process.arguments = ["ingest", path, "--data", data, "--quiet"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, out)
    }

    /// `capture N: path: status, …` lines → (capture id, status).
    static func captures(in output: String) -> [(id: UInt64, path: String, status: String)] {
        output.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("capture ") else { return nil }
            let parts = line.dropFirst("capture ".count).split(separator: ":", maxSplits: 2)
            guard parts.count == 3, let id = UInt64(parts[0]) else { return nil }
            let status = parts[2].trimmingCharacters(in: .whitespaces).split(separator: ",").first.map(String.init) ?? ""
            return (id, parts[1].trimmingCharacters(in: .whitespaces), status)
        }
    }

    var conninfo: String {
        get throws { try PostgresTestServer.pg(["url", data]) }
    }

    /// The deployment's pcap store (and its packet index).
    var pcapRoot: String { data + "/pcap" }

    func database() throws -> PostgresConnection { try PostgresConnection(conninfo: try conninfo) }

    /// The admin key `netsift up` wrote.
    var adminKey: String {
        (try? String(contentsOfFile: data + "/admin.key", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }

    /// GET on the API with curl (arguments, no shell): HTTP status and body.
    func api(_ path: String, key: String?, method: String = "GET") -> (status: Int, body: [String: Any]) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        var arguments = ["-s", "-X", method, "-o", "-", "-w", "\n%{http_code}", "http://127.0.0.1:\(httpPort)/api/v1\(path)"]
        if let key { arguments += ["-u", "\(key):"] }
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return (-1, [:]) }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let status = Int(text.split(separator: "\n").last ?? "") ?? -1
        let json = text.split(separator: "\n").dropLast().joined(separator: "\n")
        let body = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
        return (status, body)
    }

    /// GET on the API with curl into `file` (`range`: a `Range` header's value): the HTTP status.
    func download(_ path: String, key: String, to file: String, range: String? = nil) -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "-o", file, "-w", "%{http_code}", "-u", "\(key):",
                             "http://127.0.0.1:\(httpPort)/api/v1\(path)"] + (range.map { ["-H", "Range: \($0)"] } ?? [])
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Int(text) ?? -1
    }

    /// HEAD on the API with curl: the status line's code and the headers (names lowercased).
    func head(_ path: String, key: String) -> (status: Int, headers: [String: String]) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "-I", "-u", "\(key):", "http://127.0.0.1:\(httpPort)/api/v1\(path)"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return (-1, [:]) }
        let lines = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .split(separator: "\r\n")
        process.waitUntilExit()
        let status = lines.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? -1
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (status, headers)
    }

    /// Pids of the service whose config file is `config/<name>.json`.
    func pids(of service: String) -> [Int32] {
        let needle = "config/\(service).json"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let arguments = raw.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return arguments.contains { $0.hasSuffix(needle) } && arguments.contains { $0.hasPrefix(data) }
        }
    }

    func signal(_ service: String, _ number: Int32) {
        for pid in pids(of: service) { kill(pid, number) }
    }

    /// The deployment's postmaster: the parent of a backend serving us.
    func postmasterPID() throws -> Int32 {
        let connection = try database()
        let backend = try connection.query("SELECT pg_backend_pid()").scalar ?? ""
        let stat = (try? String(contentsOfFile: "/proc/\(backend)/stat", encoding: .utf8)) ?? ""
        withExtendedLifetime(connection) {}
        // pid (comm) state ppid …: the fields after the command's closing parenthesis.
        let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
        guard fields.count > 1, let parent = Int32(fields[1]) else {
            throw Failure(description: "no postmaster for backend \(backend): \(stat)")
        }
        return parent
    }

    func shutdown() {
        run(["down", "--data", data])
        if up.isRunning { up.terminate() }
        up.waitUntilExit()
        _ = try? PostgresTestServer.pg(["destroy", data])
        try? FileManager.default.removeItem(atPath: (data as NSString).deletingLastPathComponent)
    }

    /// `size` consecutive free TCP ports on 127.0.0.1.
    static func freeBlock(size: Int, avoiding taken: Range<Int> = 0 ..< 0) throws -> Int {
        for _ in 0 ..< 50 {
            let base = Int.random(in: 20_000 ... 60_000)
            if !(base ..< base + size).overlaps(taken), (base ..< base + size).allSatisfy(isFree) { return base }
        }
        throw Failure(description: "no block of \(size) free ports")
    }

    static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

/// A value computed on its own thread (to drain a pipe while another is read).
final class ThreadBox<T: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: T?
    init(_ body: @escaping @Sendable () -> T) {
        Thread { [self] in
            result = body()
            done.signal()
        }.start()
    }
    var value: T {
        done.wait()
        done.signal()
        guard let result else { fatalError("ThreadBox finished without a value") }
        return result
    }
}
