import Events

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
public struct ApplicationTransaction: Sendable {
    /// The module's own transaction: a `DNSTransaction`, an `HTTPTransaction`, …
    public let transaction: any ProtocolTransaction
    public let context: TransactionContext

    public init(_ transaction: any ProtocolTransaction, _ context: TransactionContext) {
        self.transaction = transaction
        self.context = context
    }

    public var dataset: Dataset { type(of: transaction).dataset }

    /// The module's transaction if it is a `T`.
    public func `as`<T: ProtocolTransaction>(_: T.Type) -> T? { transaction as? T }

    /// The transaction's fields (ECS names), without the flow's, and what
    /// its protocol's options add: `request`, `response`, `tags`, nulls.
    public var fields: [ProtocolField] { EventFields(context.event).complete(transaction) }
}
