import Dissection

/// The one list of application modules the engine knows: their default
/// ports, the transports they run over, their sniffers and sessions.
/// Adding a protocol is one entry here and one case in `ApplicationSession`.
enum ApplicationRegistry {
    struct Entry: Sendable {
        let proto: ApplicationProtocol
        let defaultPorts: Set<UInt16>
        /// IP protocol numbers the module parses.
        let transports: Set<UInt8>
        let sniff: @Sendable (UnsafeRawBufferPointer, Direction) -> Bool
        let makeSession: @Sendable (_ transport: UInt8) -> ApplicationSession
    }

    /// In sniffing order: the strictest sniffers first (DHCP's magic cookie before DNS's header checks).
    static let entries: [Entry] = [
        Entry(proto: .http, defaultPorts: HTTPModule.defaultPorts, transports: [IPProtocol.tcp],
              sniff: HTTPModule.sniff, makeSession: { _ in .http(SessionBox(HTTPModule.makeSession())) }),
        Entry(proto: .tls, defaultPorts: TLSModule.defaultPorts, transports: [IPProtocol.tcp],
              sniff: TLSModule.sniff, makeSession: { _ in .tls(SessionBox(TLSModule.makeSession())) }),
        Entry(proto: .dhcp, defaultPorts: DHCPModule.defaultPorts, transports: [IPProtocol.udp],
              sniff: DHCPModule.sniff, makeSession: { _ in .dhcp(SessionBox(DHCPModule.makeSession())) }),
        Entry(proto: .dns, defaultPorts: DNSModule.defaultPorts, transports: [IPProtocol.udp, IPProtocol.tcp],
              sniff: DNSModule.sniff, makeSession: { transport in
                  .dns(SessionBox(DNSModule.makeSession(transport: transport == IPProtocol.tcp ? .tcp : .udp)))
              }),
        // ICMP is chosen by the IP protocol, never by ports or content.
        Entry(proto: .icmp, defaultPorts: [], transports: [IPProtocol.icmp, IPProtocol.icmpv6],
              sniff: { _, _ in false },
              makeSession: { transport in
                  .icmp(SessionBox(ICMPSession(version: transport == IPProtocol.icmpv6 ? 6 : 4)))
              }),
    ]

    static func entry(_ proto: ApplicationProtocol) -> Entry {
        entries.first { $0.proto == proto } ?? entries[0]
    }
}
