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
        /// A session for a flow over `transport`, set up by the protocol's options.
        let makeSession: @Sendable (_ transport: UInt8, _ options: ProtocolOptions) -> ApplicationSession
    }

    /// In sniffing order: the strictest sniffers first (DHCP's magic cookie before DNS's header checks).
    static let entries: [Entry] = [
        Entry(proto: .http, defaultPorts: HTTPModule.defaultPorts, transports: [IPProtocol.tcp],
              sniff: HTTPModule.sniff, makeSession: { _, options in
                  .http(SessionBox(HTTPSession(transactionTimeout: options.transactionTimeout,
                                               raw: HTTPRawKeeping(requests: options.sendRequest,
                                                                   responses: options.sendResponse,
                                                                   maxBytes: options.maxMessageText))))
              }),
        Entry(proto: .tls, defaultPorts: TLSModule.defaultPorts, transports: [IPProtocol.tcp],
              sniff: TLSModule.sniff, makeSession: { _, options in
                  .tls(SessionBox(TLSSession(transactionTimeout: options.transactionTimeout)))
              }),
        Entry(proto: .dhcp, defaultPorts: DHCPModule.defaultPorts, transports: [IPProtocol.udp],
              sniff: DHCPModule.sniff, makeSession: { _, _ in .dhcp(SessionBox(DHCPModule.makeSession())) }),
        Entry(proto: .dns, defaultPorts: DNSModule.defaultPorts, transports: [IPProtocol.udp, IPProtocol.tcp],
              sniff: DNSModule.sniff, makeSession: { transport, options in
                  var config = DNSConfig()
                  config.transactionTimeout = options.transactionTimeout
                  return .dns(SessionBox(DNSModule.makeSession(transport: transport == IPProtocol.tcp ? .tcp : .udp,
                                                               config: config)))
              }),
        // ICMP is chosen by the IP protocol, never by ports or content.
        Entry(proto: .icmp, defaultPorts: [], transports: [IPProtocol.icmp, IPProtocol.icmpv6],
              sniff: { _, _ in false },
              makeSession: { transport, options in
                  .icmp(SessionBox(ICMPSession(version: transport == IPProtocol.icmpv6 ? 6 : 4,
                                               transactionTimeout: options.transactionTimeout)))
              }),
    ]

    static func entry(_ proto: ApplicationProtocol) -> Entry {
        entries.first { $0.proto == proto } ?? entries[0]
    }
}

/// A module the engine runs, with its protocol's options.
struct EnabledModule: Sendable {
    let entry: ApplicationRegistry.Entry
    let options: ProtocolOptions

    func makeSession(_ transport: UInt8) -> ApplicationSession { entry.makeSession(transport, options) }
}
