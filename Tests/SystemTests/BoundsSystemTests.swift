import Foundation
import Testing
import TestSupport

/// The hardening issue's unbounded use, against the real gateway: memory
/// per slow download, the download limits, and the header timeout.
@Suite(.serialized, .enabled(if: NetSiftSystem.available, NetSiftSystem.skipMessage))
struct BoundsSystemTests {
    /// The gateway's resident memory, MiB.
    static func residentMiB(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
    }

    /// A download read at `rate` for at most `seconds`: curl prints the status when it ends.
    static func slowDownload(port: Int, path: String, key: String, rate: String, seconds: Int) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", "--limit-rate", rate,
                             "--max-time", "\(seconds)", "-u", "\(key):", "http://127.0.0.1:\(port)/api/v1\(path)"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        return (process, out)
    }

    /// 100 clients reading a 45 MB capture at 20 kB/s: the gateway stays
    /// under 300 MiB and is back under 150 MiB within a minute of their end
    /// (it held ~22 MB a download, and kept most after). Past the key's
    /// limit a download gets 429, past the gateway's 503; a connection
    /// sending half a header is closed after the header timeout.
    @Test func slowDownloadsAreBoundedInMemoryAndNumber() throws {
        let downloads = 100
        let system = try NetSiftSystem(decoders: 1, environment: [
            "NETSIFT_GATEWAY_DOWNLOADS_PER_KEY": "\(downloads)", "NETSIFT_GATEWAY_DOWNLOADS_TOTAL": "\(downloads)",
            "NETSIFT_GATEWAY_HEADER_TIMEOUT_SECONDS": "2",
        ])
        defer { system.shutdown() }
        let key = system.adminKey
        let other = system.run(["keys", "create", "--name", "other", "--data", system.data])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let path = system.data + "/synthetic.pcap"
        try SyntheticCapture.write(to: path)
        #expect(system.ingest(path).status == 0)
        let gateway = try #require(system.pids(of: "gateway").first)

        let opened = ContinuousClock.now
        let socket = try RawConnection(port: system.httpPort)
        socket.send(Array("GET /api/v1/health HTTP/1.1\r\nHo".utf8))
        #expect(socket.waitForClose(within: .seconds(10)), "half a header is still held after 10 s")
        #expect(ContinuousClock.now - opened >= .seconds(2), "closed before the header timeout")

        let before = Self.residentMiB(gateway)
        var clients: [(Process, Pipe)] = []
        for _ in 0 ..< downloads {
            clients.append(try Self.slowDownload(port: system.httpPort, path: "/captures/1/pcap", key: key,
                                                 rate: "20k", seconds: 40))
            Thread.sleep(forTimeInterval: 0.15)
        }
        var peak = Self.residentMiB(gateway)
        // Every slot is taken: the key is at its limit, the gateway too.
        let keyBusy = system.head("/captures/1/pcap", key: key)
        let gatewayBusy = system.head("/captures/1/pcap", key: other)
        #expect(keyBusy.status == 429 && keyBusy.headers["retry-after"] != nil, "\(keyBusy)")
        #expect(gatewayBusy.status == 503 && gatewayBusy.headers["retry-after"] != nil, "\(gatewayBusy)")
        while clients.contains(where: { $0.0.isRunning }) {
            peak = max(peak, Self.residentMiB(gateway))
            Thread.sleep(forTimeInterval: 0.5)
        }
        let answers = clients.map { String(decoding: $0.1.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
        let streamed = answers.filter { $0.hasPrefix("200 ") && (Int($0.split(separator: " ").last ?? "") ?? 0) > 100_000 }
        #expect(streamed.count >= downloads * 9 / 10, "downloads streamed: \(streamed.count); \(Set(answers.map { $0.prefix(3) }))")
        #expect(peak < 300, "gateway RSS peaked at \(peak) MiB (\(before) MiB before)")

        let ended = ContinuousClock.now
        var after = Self.residentMiB(gateway)
        while after >= 150, ContinuousClock.now - ended < .seconds(60) {
            Thread.sleep(forTimeInterval: 1)
            after = Self.residentMiB(gateway)
        }
        #expect(after < 150, "gateway RSS \(after) MiB a minute after the downloads (peak \(peak), before \(before))")
        print("BoundsSystemTests: gateway RSS \(before) MiB before, peak \(peak) MiB with \(downloads) slow downloads, "
              + "\(after) MiB \(ContinuousClock.now - ended) after")
    }
}

/// A TCP connection to 127.0.0.1 that sends what it is given and tells when the peer closes.
final class RawConnection {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw NetSiftSystem.Failure(description: "cannot connect to \(port)") }
    }

    deinit { close(descriptor) }

    func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Foundation.send(descriptor, $0.baseAddress, $0.count, 0) }
    }

    /// Whether the peer closed (or reset) the connection within `timeout`.
    func waitForClose(within timeout: Duration) -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(timeout.components.seconds * 1_000)
        guard poll(&entry, 1, milliseconds) == 1 else { return false }
        var byte: UInt8 = 0
        return recv(descriptor, &byte, 1, 0) <= 0
    }
}
