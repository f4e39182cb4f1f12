import Events

/// Packetbeat's per-protocol options (docs/ARCHITECTURE.md, "Protocol
/// options", says what each does per module).
public struct ProtocolOptions: Sendable, Hashable {
    public var enabled: Bool
    /// Server ports the protocol claims (either side of a flow); ICMP has none.
    public var ports: Set<UInt16>
    /// `send_request` / `send_response`: each event carries the request's /
    /// the response's text in `request` / `response`.
    public var sendRequest = false
    public var sendResponse = false
    /// `transaction_timeout`, in packet time (ns): a request unanswered for
    /// longer is reported unanswered and no longer matched to a response.
    public var transactionTimeout: Int64 = 10_000_000_000
    /// `tags`: written to each event of the protocol as `tags`.
    public var tags: [String] = []
    /// `keep_null`: fields an event has no value for are written as null.
    public var keepNull = false
    /// UTF-8 bytes kept of a `request` or `response` text (NetSift's bound).
    public var maxMessageText = 64 << 10

    public init(enabled: Bool = true, ports: Set<UInt16>) {
        self.enabled = enabled
        self.ports = ports
    }
}

/// What a protocol's options add to each of its events, carried with the
/// transaction to where its fields are written.
public struct EventOptions: Sendable, Hashable {
    public var sendRequest = false
    public var sendResponse = false
    public var tags: [String] = []
    public var keepNull = false
    public var maxMessageText = 64 << 10

    public init() {}

    public init(_ options: ProtocolOptions) {
        sendRequest = options.sendRequest
        sendResponse = options.sendResponse
        tags = options.tags
        keepNull = options.keepNull
        maxMessageText = options.maxMessageText
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
    public var protocols: [Dataset: ProtocolOptions]
    /// Whether flows on no configured port are classified by their first payload in each direction.
    public var sniffing = true
    public var limits = ApplicationLimits()

    public init() {
        protocols = Dictionary(uniqueKeysWithValues: ProtocolModules.all.map {
            ($0.dataset, ProtocolOptions(ports: $0.defaultPorts))
        })
    }

    public subscript(_ dataset: Dataset) -> ProtocolOptions {
        get { protocols[dataset] ?? ProtocolOptions(enabled: false, ports: []) }
        set { protocols[dataset] = newValue }
    }
}
