import CPcap
import Foundation

extension NetworkInterface {
    /// Every interface libpcap can open (pseudo devices such as "any"
    /// included), merged with the kernel's addresses and flags from
    /// getifaddrs, sorted by name.
    public static func list() throws(CaptureError) -> [NetworkInterface] {
        var byName: [String: NetworkInterface] = [:]
        for device in try pcapDevices() { byName[device.name] = device }
        for (name, entry) in try InterfaceAddressTable.current().entries {
            var interface = byName[name] ?? NetworkInterface(name: name)
            interface.isUp = interface.isUp || entry.isUp
            interface.isRunning = interface.isRunning || entry.isRunning
            interface.isLoopback = interface.isLoopback || entry.isLoopback
            interface.macAddress = entry.macAddress
            interface.ipv4 = entry.ipv4
            interface.ipv6 = entry.ipv6
            byName[name] = interface
        }
        return byName.values
            .map { interface in
                var interface = interface
                interface.mtu = mtu(of: interface.name)
                return interface
            }
            .sorted { $0.name < $1.name }
    }

    /// pcap_findalldevs: names, descriptions and flags (addresses come from getifaddrs).
    static func pcapDevices() throws(CaptureError) -> [NetworkInterface] {
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        var first: UnsafeMutablePointer<pcap_if_t>?
        guard pcap_findalldevs(&first, &errbuf) == 0 else {
            throw CaptureError(kind: .open, path: "interface list", message: PcapText.errorBuffer(errbuf))
        }
        defer { if let first { pcap_freealldevs(first) } }
        var devices: [NetworkInterface] = []
        var cursor = first
        while let device = cursor {
            let d = device.pointee
            cursor = d.next
            guard let name = d.name else { continue }
            devices.append(NetworkInterface(
                name: String(cString: name),
                description: d.description.map { String(cString: $0) } ?? "",
                isUp: d.flags & UInt32(PCAP_IF_UP) != 0,
                isRunning: d.flags & UInt32(PCAP_IF_RUNNING) != 0,
                isLoopback: d.flags & UInt32(PCAP_IF_LOOPBACK) != 0))
        }
        return devices
    }

    /// From /sys/class/net (nil for pseudo devices such as "any").
    static func mtu(of name: String) -> Int? {
        guard !name.contains("/"), name != "." && name != ".." else { return nil }
        guard let text = try? String(contentsOfFile: "/sys/class/net/\(name)/mtu", encoding: .utf8) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
