import Events
import Dissection

/// DNS over UDP and TCP.
public enum DNSModule {
    public static let descriptor = ProtocolModule(
        DNSTransaction.self, defaultPorts: defaultPorts, transports: [IPProtocol.udp, IPProtocol.tcp], sniff: sniff
    ) { transport, options in
        var config = DNSConfig()
        config.transactionTimeout = options.transactionTimeout
        return makeSession(transport: transport == IPProtocol.tcp ? .tcp : .udp, config: config)
    }

    /// Packetbeat's default `ports` for dns.
    public static let defaultPorts: Set<UInt16> = [53]

    public static func sniff(_ payload: UnsafeRawBufferPointer, direction: Direction) -> Bool {
        DNSSniffer.cleanMessage(payload) || DNSStreamFramer.startsMessage(payload)
    }

    public static func makeSession(transport: DNSTransaction.Transport, config: DNSConfig = DNSConfig()) -> DNSSession {
        DNSSession(transport: transport, config: config)
    }
}

extension DNSTransaction: ProtocolTransaction {
    public static var dataset: Dataset { .dns }

    /// The query as Packetbeat prints a message.
    public var requestText: String? { query?.packetbeatText }
    public var responseText: String? { response?.packetbeatText }

    public var summary: String {
        switch (query, response) {
        case (let q?, let r?): "\(q.tcpdumpSummary) → \(r.tcpdumpSummary)"
        case (let q?, nil): "\(q.tcpdumpSummary) → (no response)"
        case (nil, let r?): "(no query) → \(r.tcpdumpSummary)"
        case (nil, nil): "malformed: \(firstError?.description ?? "no message")"
        }
    }
}
