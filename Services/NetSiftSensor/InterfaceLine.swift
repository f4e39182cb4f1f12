import Capture

/// One line of `--list-interfaces`: name, flags, MAC, IPv4, IPv6, tab-separated, `-` for none.
struct InterfaceLine: CustomStringConvertible {
    let adapter: NetworkInterface

    init(_ adapter: NetworkInterface) { self.adapter = adapter }

    var description: String {
        let flags = [adapter.isUp ? "up" : "down", adapter.isLoopback ? "loopback" : nil]
            .compactMap { $0 }.joined(separator: ",")
        return [adapter.name, flags, adapter.macAddress ?? "-",
                adapter.ipv4.joined(separator: ","), adapter.ipv6.joined(separator: ",")]
            .map { $0.isEmpty ? "-" : $0 }.joined(separator: "\t")
    }
}
