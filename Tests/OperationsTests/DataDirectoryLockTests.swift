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
}
