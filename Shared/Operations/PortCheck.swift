import Foundation

/// Whether a TCP port on 127.0.0.1 is free, and if not, who holds it (from
/// /proc/net/tcp{,6}: the listening socket's inode, then the process with
/// that socket open), so `netsift up` can refuse at once and say why.
public enum PortCheck {
    /// The ports of `ports` that are in use, each with its holder's description.
    public static func busy(_ ports: [(name: String, port: Int)]) -> [String] {
        ports.filter { !isFree($0.port) }.map { entry in
            "port \(entry.port) (\(entry.name)) is in use by " + (holder(of: entry.port) ?? "another process")
        }
    }

    /// Binds 127.0.0.1:port and releases it, with SO_REUSEADDR as the
    /// services bind: connections of an earlier run waiting in TIME_WAIT
    /// do not hold the port, a listener does.
    public static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var on: Int32 = 1
        guard setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size)) == 0 else { return false }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port)).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// `pid 123 (netsift-storage --config …)` for the process listening on the port.
    public static func holder(of port: Int) -> String? {
        let inodes = listeningInodes(port: port)
        guard !inodes.isEmpty else { return nil }
        let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for pid in processes.compactMap(Int32.init) {
            let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
            for descriptor in descriptors {
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(descriptor)"),
                      target.hasPrefix("socket:["), inodes.contains(String(target.dropFirst(8).dropLast())) else { continue }
                let command = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline").map {
                    $0.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
                } ?? "?"
                return "pid \(pid) (\(command.prefix(200)))"
            }
        }
        return nil
    }

    /// Inodes of sockets in LISTEN state (0A) on the port, IPv4 or IPv6.
    static func listeningInodes(port: Int) -> Set<String> {
        var inodes = Set<String>()
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 9, fields[3] == "0A",
                      let local = fields[1].split(separator: ":").last, Int(local, radix: 16) == port else { continue }
                inodes.insert(String(fields[9]))
            }
        }
        return inodes
    }
}
