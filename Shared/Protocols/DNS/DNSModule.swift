/// DNS over UDP and TCP.
public enum DNSModule: ProtocolModule {
    public static let name = "dns"
    /// Packetbeat's default `ports` for dns.
    public static let defaultPorts: Set<UInt16> = [53]

    public static func sniff(_ payload: UnsafeRawBufferPointer, direction: Direction) -> Bool {
        DNSSniffer.cleanMessage(payload) || DNSStreamFramer.startsMessage(payload)
    }

    /// A session that picks UDP or TCP framing from the first payload; the
    /// decoder knows the transport and should prefer `makeSession(transport:)`.
    public static func makeSession() -> DNSSession { DNSSession(transport: nil) }

    public static func makeSession(transport: DNSTransaction.Transport, config: DNSConfig = DNSConfig()) -> DNSSession {
        DNSSession(transport: transport, config: config)
    }
}
