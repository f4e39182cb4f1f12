#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Flags, hardware address and IP addresses per interface, from getifaddrs.
struct InterfaceAddressTable {
    struct Entry {
        var isUp = false
        var isRunning = false
        var isLoopback = false
        var macAddress: String?
        var ipv4: [String] = []
        var ipv6: [String] = []
    }

    var entries: [String: Entry] = [:]

    static func current() throws(CaptureError) -> InterfaceAddressTable {
        var first: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&first) == 0 else {
            throw CaptureError(kind: .open, path: "interface list", message: String(cString: strerror(errno)))
        }
        defer { freeifaddrs(first) }
        var table = InterfaceAddressTable()
        var cursor = first
        while let item = cursor {
            let entry = item.pointee
            cursor = entry.ifa_next
            guard let name = entry.ifa_name else { continue }
            table.add(name: String(cString: name), flags: entry.ifa_flags, address: entry.ifa_addr)
        }
        return table
    }

    private mutating func add(name: String, flags: UInt32, address: UnsafeMutablePointer<sockaddr>?) {
        var entry = entries[name] ?? Entry()
        entry.isUp = entry.isUp || flags & UInt32(IFF_UP) != 0
        entry.isRunning = entry.isRunning || flags & UInt32(IFF_RUNNING) != 0
        entry.isLoopback = entry.isLoopback || flags & UInt32(IFF_LOOPBACK) != 0
        if let address {
            switch Int32(address.pointee.sa_family) {
            case AF_INET: if let text = Self.ipv4Text(address) { entry.ipv4.append(text) }
            case AF_INET6: if let text = Self.ipv6Text(address) { entry.ipv6.append(text) }
            #if os(Linux)
            case AF_PACKET: entry.macAddress = Self.hardwareAddress(address) ?? entry.macAddress
            #endif
            default: break
            }
        }
        entries[name] = entry
    }

    private static func ipv4Text(_ address: UnsafeMutablePointer<sockaddr>) -> String? {
        address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
            var addr = sin.pointee.sin_addr
            return ntop(AF_INET, &addr, capacity: Int(INET_ADDRSTRLEN))
        }
    }

    private static func ipv6Text(_ address: UnsafeMutablePointer<sockaddr>) -> String? {
        address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
            var addr = sin6.pointee.sin6_addr
            return ntop(AF_INET6, &addr, capacity: Int(INET6_ADDRSTRLEN))
        }
    }

    private static func ntop(_ family: Int32, _ addr: UnsafeRawPointer, capacity: Int) -> String? {
        var text = [CChar](repeating: 0, count: capacity + 1)
        guard inet_ntop(family, addr, &text, socklen_t(capacity)) != nil else { return nil }
        return PcapText.errorBuffer(text)
    }

    /// Linux `struct sockaddr_ll` (netpacket/packet.h, not in Swift's Glibc
    /// module): family u16, protocol u16, ifindex i32, hatype u16,
    /// pkttype u8, halen u8 at offset 11, addr[8] at offset 12; 20 bytes.
    /// Only 6-byte (Ethernet-style) addresses are reported; an all-zero
    /// one (loopback) counts as none.
    private static func hardwareAddress(_ address: UnsafeMutablePointer<sockaddr>) -> String? {
        let raw = UnsafeRawBufferPointer(start: UnsafeRawPointer(address), count: 20)
        guard raw[11] == 6 else { return nil }
        let bytes = raw[12..<18]
        guard bytes.contains(where: { $0 != 0 }) else { return nil }
        return bytes.map { hex($0) }.joined(separator: ":")
    }

    private static func hex(_ byte: UInt8) -> String {
        let text = String(byte, radix: 16)
        return byte < 0x10 ? "0" + text : text
    }
}
