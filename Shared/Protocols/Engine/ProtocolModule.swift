import Events
import Dissection

/// One protocol as the engine runs it: its dataset, the ports it claims by
/// default (Packetbeat's `ports`), the transports it parses, how its first
/// payload is recognised on other ports, and a flow's session made from its
/// options. Each protocol's folder defines its descriptor
/// (`<Name>Module.descriptor`); `ProtocolModules.all` lists them.
public struct ProtocolModule: Sendable {
    public let dataset: Dataset
    /// Every field name its transactions can have.
    public let fieldNames: [String]
    public let defaultPorts: Set<UInt16>
    /// IP protocol numbers the module parses.
    public let transports: Set<UInt8>
    /// Whether a flow's first payload in one direction looks like this
    /// protocol's client (`.toServer`) or server (`.toClient`) side.
    public let sniff: @Sendable (UnsafeRawBufferPointer, Direction) -> Bool
    /// After its first transaction the flow's bytes are left alone (TLS reports one handshake per connection).
    public let oneTransactionPerFlow: Bool
    let makeSession: @Sendable (_ transport: UInt8, _ options: ProtocolOptions) -> FlowSession

    /// A module whose sessions parse datagrams or reassembled TCP bytes.
    init<Session: ProtocolSession>(
        _ transaction: Session.Transaction.Type, defaultPorts: Set<UInt16>, transports: Set<UInt8>,
        oneTransactionPerFlow: Bool = false, sniff: @escaping @Sendable (UnsafeRawBufferPointer, Direction) -> Bool,
        session: @escaping @Sendable (_ transport: UInt8, _ options: ProtocolOptions) -> Session
    ) where Session.Transaction: ProtocolTransaction {
        dataset = transaction.dataset
        fieldNames = transaction.fieldNames
        self.defaultPorts = defaultPorts
        self.transports = transports
        self.oneTransactionPerFlow = oneTransactionPerFlow
        self.sniff = sniff
        makeSession = { FlowSession.parsing(session($0, $1)) }
    }

    /// A module with a session of its own kind (ICMP's is fed messages, not bytes).
    init(_ transaction: (some ProtocolTransaction).Type, defaultPorts: Set<UInt16>, transports: Set<UInt8>,
         sniff: @escaping @Sendable (UnsafeRawBufferPointer, Direction) -> Bool,
         makeSession: @escaping @Sendable (_ transport: UInt8, _ options: ProtocolOptions) -> FlowSession) {
        dataset = transaction.dataset
        fieldNames = transaction.fieldNames
        self.defaultPorts = defaultPorts
        self.transports = transports
        oneTransactionPerFlow = false
        self.sniff = sniff
        self.makeSession = makeSession
    }
}

/// A module the engine runs, with its protocol's options.
struct EnabledModule: Sendable {
    let module: ProtocolModule
    let options: ProtocolOptions

    func makeSession(_ transport: UInt8) -> FlowSession { module.makeSession(transport, options) }
}
