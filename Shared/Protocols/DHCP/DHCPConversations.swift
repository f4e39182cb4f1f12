import Events
import Dissection

/// A DHCP "conversation": the messages of one transaction id within a short
/// time, over however many flows they crossed — one line of Zeek's dhcp.log
/// and what AlphaSOC's lease event summarises.
public struct DHCPConversation: Sendable, Hashable {
    public var transactionID: UInt32
    public var start: Int64
    public var last: Int64
    /// Flows the messages came over, in first-seen order.
    public var flows: [UInt64] = []
    public var clientAddress: IPAddress?
    public var serverAddress: IPAddress?
    public var mac: String?
    public var hostname: String?
    public var clientFQDN: String?
    public var domain: String?
    public var requestedAddress: IPAddress?
    public var assignedAddress: IPAddress?
    public var leaseTime: UInt32?
    public var clientMessage: String?
    public var serverMessage: String?
    public var messageTypes: [String] = []
    /// The client's chaddr, used for `mac` when no client id or server reply gave one.
    var clientHardwareAddress: String?

    public var duration: Int64 { last - start }

    public var fields: [ProtocolField] {
        var out: [ProtocolField] = [
            ProtocolField("event.start", .integer(start)), ProtocolField("event.end", .integer(last)),
            ProtocolField("event.duration", .integer(duration)),
            ProtocolField("dhcp.transaction_id", .string(DHCPConversations.transactionIDText(transactionID))),
            ProtocolField("dhcp.message_types", .strings(messageTypes)),
        ]
        let optional: [(String, String?)] = [
            ("client.ip", clientAddress?.description), ("server.ip", serverAddress?.description), ("dhcp.client_mac", mac),
            ("dhcp.hostname", hostname), ("dhcp.client_fqdn", clientFQDN), ("dhcp.domain_name", domain),
            ("dhcp.requested_address", requestedAddress?.description), ("dhcp.assigned_address", assignedAddress?.description),
            ("dhcp.client_message", clientMessage), ("dhcp.server_message", serverMessage),
        ]
        for (name, value) in optional { if let value { out.append(ProtocolField(name, .string(value))) } }
        if let leaseTime { out.append(ProtocolField("dhcp.lease_time", .unsigned(leaseTime))) }
        return out
    }
}

/// Joins DHCP messages from every flow by transaction id, the way Zeek's
/// dhcp script does: a conversation is reported when it has been quiet for
/// `idleTimeout`, has lasted `maxWatchTime`, or grew past its bounds.
public struct DHCPConversations {
    public struct Config: Sendable {
        /// Zeek reports a conversation with no message in the past 5 s.
        public var idleTimeout: Int64 = 5_000_000_000
        /// Zeek's `DHCP::max_txid_watch_time` (30 s).
        public var maxWatchTime: Int64 = 30_000_000_000
        /// Zeek's `max_uids_per_log_entry` and `max_msg_types_per_log_entry`.
        public var maxFlows = 10
        public var maxMessageTypes = 50
        /// Conversations held at once; past it the oldest is reported early.
        public var maxOpen = 4096
        public init() {}
    }

    public let config: Config
    private var open: [UInt32: DHCPConversation] = [:]
    /// Conversations reported before they were complete because `maxOpen` was reached.
    public private(set) var evicted = 0

    public init(config: Config = Config()) { self.config = config }

    public static func transactionIDText(_ id: UInt32) -> String {
        let hex = String(id, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// Adds one message seen from `source` to `destination` on `flow`;
    /// returns the conversations that ended by then.
    public mutating func add(_ transaction: DHCPTransaction, source: IPAddress, destination: IPAddress,
                             flow: UInt64) -> [DHCPConversation] {
        var done = advance(to: transaction.time)
        guard let message = transaction.message else { return done }
        let xid = message.transactionID
        if open[xid] == nil, open.count >= config.maxOpen, let oldest = open.values.min(by: { $0.start < $1.start }) {
            open[oldest.transactionID] = nil
            evicted += 1
            done.append(Self.completed(oldest))
        }
        var conversation = open[xid] ?? DHCPConversation(transactionID: xid, start: transaction.time, last: transaction.time)
        conversation.absorb(message, source: source, flow: flow, time: transaction.time)
        if conversation.flows.count >= config.maxFlows || conversation.messageTypes.count >= config.maxMessageTypes {
            open[xid] = nil
            done.append(Self.completed(conversation))
        } else {
            open[xid] = conversation
        }
        return done
    }

    /// Moves packet time on: reports conversations idle or watched long enough.
    public mutating func advance(to now: Int64) -> [DHCPConversation] {
        let ended = open.values.filter { now - $0.last > config.idleTimeout || now - $0.start > config.maxWatchTime }
        for conversation in ended { open[conversation.transactionID] = nil }
        return ended.sorted { $0.start < $1.start }.map(Self.completed)
    }

    /// The capture ended: everything still open, oldest first.
    public mutating func finish() -> [DHCPConversation] {
        defer { open.removeAll() }
        return open.values.sorted { $0.start < $1.start }.map(Self.completed)
    }

    static func completed(_ conversation: DHCPConversation) -> DHCPConversation {
        var out = conversation
        if out.mac == nil { out.mac = out.clientHardwareAddress }
        return out
    }
}

extension DHCPConversation {
    mutating func absorb(_ message: DHCPMessage, source: IPAddress, flow: UInt64, time: Int64) {
        last = time
        if !flows.contains(flow) { flows.append(flow) }
        let options = message.decoded
        if let type = options.messageType { messageTypes.append(DHCPMessageType.name(type)) }
        let zero = IPAddress(v4: 0), broadcast = IPAddress(v4: 0xffff_ffff)
        if message.isRequest {
            if let text = options.message { clientMessage = text }
            if source != zero && source != broadcast { clientAddress = source }
            if let name = options.hostname { hostname = name }
            if let fqdn = options.clientFQDN { clientFQDN = fqdn.domainName }
            if let id = options.clientIdentifier, id.count == 7, id.first == 1 {
                mac = options.clientIdentifierText
            } else {
                clientHardwareAddress = message.clientMAC
            }
            if let requested = options.requestedAddress { requestedAddress = requested }
        } else {
            if let text = options.message { serverMessage = text }
            if message.yourAddress != zero {
                serverAddress = source
                assignedAddress = message.yourAddress
            }
            if mac == nil, !message.clientHardwareAddress.isEmpty { mac = message.clientMAC }
            if clientAddress == nil, let assignedAddress { clientAddress = assignedAddress }
            if let name = options.domainName { domain = name }
            if let lease = options.leaseTime { leaseTime = lease }
        }
    }
}
