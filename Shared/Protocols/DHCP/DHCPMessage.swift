import Dissection

/// One BOOTP/DHCPv4 message (RFC 2131/2132): the fixed fields, every
/// option in the order it came (code and length) and the options NetSift
/// decodes. `error` holds the first fault; decoding goes on where it can.
public struct DHCPMessage: Sendable, Hashable {
    public var op: UInt8
    public var hardwareType: UInt8
    public var hardwareLength: UInt8
    public var hops: UInt8
    public var transactionID: UInt32
    public var seconds: UInt16
    public var flags: UInt16
    public var clientAddress: IPAddress
    public var yourAddress: IPAddress
    public var serverAddress: IPAddress
    public var relayAddress: IPAddress
    /// The client hardware address: `hardwareLength` bytes (at most 16).
    public var clientHardwareAddress: [UInt8]
    public var serverName: String
    public var bootFile: String
    /// Nil when the message is plain BOOTP (no RFC 1048 magic cookie).
    public var magicCookie: UInt32?
    public var options: [DHCPOptionEntry] = []
    public var decoded = DHCPOptions()
    /// Options past `DHCPLimits.maxOptions`, not listed.
    public var droppedOptions = 0
    public var length: Int
    public var error: ParseError?

    public var isRequest: Bool { op == 1 }
    public var broadcast: Bool { flags & 0x8000 != 0 }
    public var messageType: UInt8? { decoded.messageType }

    /// The hardware address as colon-separated hex (a MAC for Ethernet).
    public var clientMAC: String { DHCPText.hex(clientHardwareAddress, separator: ":") }
}

/// Where an option sat and how long it was; `area` tells whether it came
/// from the options field or from an overloaded `file`/`sname` field.
public struct DHCPOptionEntry: Sendable, Hashable {
    public enum Area: String, Sendable { case options, file, sname }
    public var code: UInt8
    public var length: Int
    public var area: Area
}

/// The options that Zeek's dhcp.log, Suricata's eve dhcp and AlphaSOC's
/// lease event use, decoded.
public struct DHCPOptions: Sendable, Hashable {
    public var subnetMask: IPAddress?
    public var routers: [IPAddress] = []
    public var dnsServers: [IPAddress] = []
    public var hostname: String?
    public var domainName: String?
    public var broadcastAddress: IPAddress?
    public var requestedAddress: IPAddress?
    public var leaseTime: UInt32?
    public var overload: UInt8?
    public var messageType: UInt8?
    public var serverIdentifier: IPAddress?
    public var parameterRequestList: [UInt8] = []
    public var message: String?
    public var maxMessageSize: UInt16?
    public var renewalTime: UInt32?
    public var rebindingTime: UInt32?
    public var vendorClass: String?
    /// Option 61: a type byte, then (type 1, Ethernet) the MAC.
    public var clientIdentifier: [UInt8]?
    /// RFC 3004 user class instances.
    public var userClass: [String] = []
    public var clientFQDN: DHCPClientFQDN?
    public var relayAgent: [DHCPRelaySubOption] = []

    public init() {}

    /// The MAC of an Ethernet client id (type 1, as Suricata and Zeek show it), else every byte in hex.
    public var clientIdentifierText: String? {
        guard let id = clientIdentifier else { return nil }
        return id.count == 7 && id.first == 1 ? DHCPText.hex(id.dropFirst(), separator: ":") : DHCPText.hex(id, separator: ":")
    }
}

/// Option 81 (RFC 4702).
public struct DHCPClientFQDN: Sendable, Hashable {
    public var flags: UInt8
    public var rcode1: UInt8
    public var rcode2: UInt8
    public var domainName: String
}

/// One sub-option of option 82 (RFC 3046): circuit id (1), remote id (2), ...
public struct DHCPRelaySubOption: Sendable, Hashable {
    public var code: UInt8
    public var value: [UInt8]
}

public struct DHCPLimits: Sendable, Hashable {
    /// Options listed per message: one of each code is 254, real messages carry a few dozen.
    public var maxOptions = 255
    public init() {}
}
