/// The application protocols the engine runs, in the order content sniffing tries them.
public enum ApplicationProtocol: String, CaseIterable, Sendable, Hashable {
    case dns, http, tls, dhcp, icmp

    /// `event.dataset` of its transactions.
    public var dataset: String { rawValue }
}

/// Packetbeat's per-protocol options the engine applies today: `enabled`
/// and `ports` (the others — `send_request`, `transaction_timeout`, … —
/// belong to each module's own config and are not wired here yet).
public struct ProtocolOptions: Sendable, Hashable {
    public var enabled: Bool
    /// Server ports the protocol claims (either side of a flow); ICMP has none.
    public var ports: Set<UInt16>

    public init(enabled: Bool = true, ports: Set<UInt16>) {
        self.enabled = enabled
        self.ports = ports
    }
}

/// What bounds the engine's memory over a whole capture.
public struct ApplicationLimits: Sendable, Hashable {
    /// Flows holding application-layer state at once (a quarter of the flow table's default 262,144:
    /// most flows of a busy link carry nothing the modules parse); past it the least recently used sixteenth is evicted.
    public var maxFlows = 65_536
    /// Out-of-order TCP bytes held over all flows (64 MiB); past it the least recently used flows holding some are evicted.
    public var maxBufferedBytes = 64 << 20
    /// Per connection.
    public var reassembly = TCPStreamReassembler.Limits()

    public init() {}
}

/// The engine's configuration, keyed by protocol name as Packetbeat's
/// `packetbeat.protocols` list is: each module owns its defaults.
public struct ApplicationConfig: Sendable, Hashable {
    public var protocols: [ApplicationProtocol: ProtocolOptions]
    /// Whether flows on no configured port are classified by their first payload in each direction.
    public var sniffing = true
    public var limits = ApplicationLimits()

    public init() {
        protocols = Dictionary(uniqueKeysWithValues: ApplicationProtocol.allCases.map {
            ($0, ProtocolOptions(ports: ApplicationRegistry.entry($0).defaultPorts))
        })
    }

    public subscript(_ proto: ApplicationProtocol) -> ProtocolOptions {
        get { protocols[proto] ?? ProtocolOptions(enabled: false, ports: []) }
        set { protocols[proto] = newValue }
    }
}
