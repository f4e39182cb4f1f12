/// A capture interface as libpcap and the kernel describe it (the fields of
/// AppPacCap's NETADAPTER). `NetworkInterface.list()` builds them.
public struct NetworkInterface: Sendable, Hashable, Codable {
    public var name: String
    /// libpcap's description; usually empty on Linux except for pseudo
    /// devices ("Pseudo-device that captures on all interfaces").
    public var description: String
    public var isUp: Bool
    public var isRunning: Bool
    public var isLoopback: Bool
    /// "aa:bb:cc:dd:ee:ff", or nil when the interface has no hardware address.
    public var macAddress: String?
    /// Addresses as inet_ntop text, in the kernel's order.
    public var ipv4: [String]
    /// Addresses as inet_ntop text without a scope ("fe80::1").
    public var ipv6: [String]
    public var mtu: Int?

    public init(name: String, description: String = "", isUp: Bool = false, isRunning: Bool = false,
                isLoopback: Bool = false, macAddress: String? = nil, ipv4: [String] = [], ipv6: [String] = [],
                mtu: Int? = nil) {
        self.name = name
        self.description = description
        self.isUp = isUp
        self.isRunning = isRunning
        self.isLoopback = isLoopback
        self.macAddress = macAddress
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.mtu = mtu
    }
}
