/// Where a transaction came from: its flow, the frames that carried it
/// as far as the engine knows them (the first frame that fed the session
/// since its previous transaction, and the frame that completed it), and
/// what its protocol's options add to its event.
public struct TransactionContext: Sendable, Hashable {
    public var flow: UInt64
    public var communityID: String
    public var frames: [UInt64]
    /// Packet time (ns) of the frame that completed the transaction, of its expiry, or of the flow's end.
    public var time: Int64
    public var event: EventOptions

    public init(flow: UInt64, communityID: String, frames: [UInt64], time: Int64, event: EventOptions = EventOptions()) {
        self.flow = flow
        self.communityID = communityID
        self.frames = frames
        self.time = time
        self.event = event
    }
}

/// One transaction of any application module, as the engine returns them.
public enum ApplicationTransaction: Sendable {
    case dns(DNSTransaction, TransactionContext)
    case dhcp(DHCPTransaction, TransactionContext)
    case tls(TLSTransaction, TransactionContext)
    case http(HTTPTransaction, TransactionContext)
    case icmp(ICMPTransaction, TransactionContext)

    public var context: TransactionContext {
        switch self {
        case .dns(_, let c), .dhcp(_, let c), .tls(_, let c), .http(_, let c), .icmp(_, let c): c
        }
    }

    public var proto: ApplicationProtocol {
        switch self {
        case .dns: .dns
        case .dhcp: .dhcp
        case .tls: .tls
        case .http: .http
        case .icmp: .icmp
        }
    }

    /// `event.dataset`: dns, dhcp, tls, http or icmp.
    public var dataset: String { proto.dataset }

    /// The transaction's fields (ECS names), without the flow's, and what
    /// its protocol's options add: `request`, `response`, `tags`, nulls.
    public var fields: [ProtocolField] { EventFields(context.event).complete(moduleFields, of: self) }

    /// The module's fields alone.
    var moduleFields: [ProtocolField] {
        switch self {
        case .dns(let t, _): t.fields
        case .dhcp(let t, _): t.fields
        case .tls(let t, _): t.fields
        case .http(let t, _): t.fields
        case .icmp(let t, _): t.fields
        }
    }
}
