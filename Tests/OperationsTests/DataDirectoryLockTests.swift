import Foundation
import Operations
import Testing

struct DataDirectoryLockTests {
    @Test func aSecondHolderIsRefusedAndToldTheFirst() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("netsift-lock-\(UUID())").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(DataDirectoryLock.holder(dataDirectory: root) == .none)
        var first: DataDirectoryLock? = try DataDirectoryLock(dataDirectory: root)
        #expect(DataDirectoryLock.holder(dataDirectory: root) == .some(getpid()))
        do {
            _ = try DataDirectoryLock(dataDirectory: root)
            Issue.record("a second lock was granted")
        } catch {
            #expect("\(error)".contains("already up (pid \(getpid()))"), "\(error)")
        }
        withExtendedLifetime(first) {}
        first = nil
        #expect(DataDirectoryLock.holder(dataDirectory: root) == .none)
        _ = try DataDirectoryLock(dataDirectory: root)
    }
}

struct PortCheckTests {
    @Test func aBusyPortNamesItsHolder() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        try #require(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        #expect(!PortCheck.isFree(port))
        let busy = PortCheck.busy([("test", port)])
        #expect(busy.count == 1 && busy[0].contains("port \(port) (test) is in use by pid \(getpid())"), "\(busy)")
    }

    /// After a restart, the connections the last run closed linger in
    /// TIME_WAIT on its ports; the services bind with SO_REUSEADDR, so the
    /// port is free for them and the check must say so (it said busy for a
    /// minute after any API call, and `netsift up` refused to start).
    @Test func connectionsInTimeWaitDoNotHoldAPort() throws {
        func loopback(_ port: UInt16 = 0) -> sockaddr_in {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            return address
        }
        func call(_ address: inout sockaddr_in, _ body: (UnsafeMutablePointer<sockaddr>, inout socklen_t) -> Bool) -> Bool {
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            return withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, &length) } }
        }
        // A listener as the services' are (NIO, ZeroMQ): with SO_REUSEADDR.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var on: Int32 = 1
        try #require(setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size)) == 0)
        var address = loopback()
        try #require(call(&address) { bind(listener, $0, $1) == 0 && listen(listener, 1) == 0 && getsockname(listener, $0, &$1) == 0 })
        let port = UInt16(bigEndian: address.sin_port)
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var server = loopback(port)
        try #require(call(&server) { connect(client, $0, $1) == 0 })
        let accepted = accept(listener, nil, nil)
        try #require(accepted >= 0)
        // The server's side closes first, so its end of the connection waits in TIME_WAIT.
        close(accepted)
        var byte: UInt8 = 0
        _ = read(client, &byte, 1)
        close(client)
        close(listener)
        // The client's FIN reaches the server's end asynchronously: wait (bounded) for TIME_WAIT.
        let hex = String(port, radix: 16, uppercase: true)
        let local = "0100007F:" + String(repeating: "0", count: 4 - hex.count) + hex
        func timeWait() -> Bool {
            let table = (try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8)) ?? ""
            return table.split(separator: "\n").contains { line in
                let fields = line.split(separator: " ")
                return fields.count > 3 && fields[1] == local && fields[3] == "06"
            }
        }
        var waited = 0
        while !timeWait(), waited < 500 {
            usleep(10_000)
            waited += 1
        }
        // Under a loaded parallel run the TIME_WAIT entry was once not seen
        // in 5 s; the run then says so as a known issue instead of passing
        // silently or failing the suite.
        withKnownIssue("no TIME_WAIT on the port: this run proves nothing", isIntermittent: true) {
            try #require(timeWait())
        }
        #expect(PortCheck.isFree(Int(port)))
    }
}
