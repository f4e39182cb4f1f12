import Events
import Dissection

/// One DHCP message as an event, the way Suricata's eve reports DHCP: an
/// exchange (DISCOVER, OFFER, REQUEST, ACK) crosses flows — broadcast
/// requests, unicast or broadcast replies — so a per-flow session cannot
/// pair it; `DHCPConversations` joins the messages by transaction id, as
/// Zeek's dhcp.log does.
public struct DHCPTransaction: Sendable, Hashable {
    public var message: DHCPMessage?
    public var time: Int64
    public var direction: Direction
    /// Set when the bytes were not even a BOOTP fixed part.
    public var error: ParseError?

    public var firstError: ParseError? { error ?? message?.error }
}

extension DHCPTransaction {
    /// The message under the names of issue 5 (`dhcp.*`), close to Packetbeat's `dhcpv4.*`.
    public var fields: [ProtocolField] {
        var out: [ProtocolField] = []
        func add(_ name: String, _ value: ProtocolField.Value) { out.append(ProtocolField(name, value)) }
        func address(_ name: String, _ address: IPAddress?) { if let address { add(name, .string(address.description)) } }
        func addresses(_ name: String, _ addresses: [IPAddress]) {
            if !addresses.isEmpty { add(name, .strings(addresses.map(\.description))) }
        }
        func text(_ name: String, _ text: String?) { if let text { add(name, .string(text)) } }
        func number(_ name: String, _ number: UInt32?) { if let number { add(name, .unsigned(number)) } }
        add("event.start", .time(time))
        if let message {
            let o = message.decoded
            add("dhcp.op_code", .string(message.isRequest ? "bootrequest" : "bootreply"))
            text("dhcp.message_type", o.messageType.map(DHCPMessageType.name))
            add("dhcp.transaction_id", .string(DHCPConversations.transactionIDText(message.transactionID)))
            add("dhcp.hardware_type", .unsigned(message.hardwareType))
            add("dhcp.hops", .unsigned(message.hops))
            add("dhcp.seconds", .unsigned(message.seconds))
            add("dhcp.flags", .string(message.broadcast ? "broadcast" : "unicast"))
            add("dhcp.client_mac", .string(message.clientMAC))
            address("dhcp.client_ip", message.clientAddress)
            address("dhcp.assigned_address", message.yourAddress)
            address("dhcp.server_ip", message.serverAddress)
            address("dhcp.relay_ip", message.relayAddress)
            text("dhcp.server_name", message.serverName.isEmpty ? nil : message.serverName)
            text("dhcp.boot_file_name", message.bootFile.isEmpty ? nil : message.bootFile)
            text("dhcp.hostname", o.hostname)
            text("dhcp.client_fqdn", o.clientFQDN?.domainName)
            address("dhcp.requested_address", o.requestedAddress)
            address("dhcp.server_identifier", o.serverIdentifier)
            number("dhcp.lease_time", o.leaseTime)
            number("dhcp.renewal_time", o.renewalTime)
            number("dhcp.rebinding_time", o.rebindingTime)
            text("dhcp.vendor_class", o.vendorClass)
            text("dhcp.client_id", o.clientIdentifierText)
            if !o.parameterRequestList.isEmpty {
                add("dhcp.parameter_request_list", .strings(o.parameterRequestList.map(DHCPOptionName.name)))
            }
            address("dhcp.subnet_mask", o.subnetMask)
            addresses("dhcp.routers", o.routers)
            addresses("dhcp.dns_servers", o.dnsServers)
            text("dhcp.domain_name", o.domainName)
            text("dhcp.message", o.message)
            if !o.userClass.isEmpty { add("dhcp.user_class", .strings(o.userClass)) }
            if !o.relayAgent.isEmpty {
                add("dhcp.relay_agent", .list(o.relayAgent.map {
                    .object([ProtocolField("code", .unsigned($0.code)), ProtocolField("value", .string(DHCPText.hex($0.value)))])
                }))
            }
            add("dhcp.options", .list(message.options.map {
                .object([ProtocolField("code", .unsigned($0.code)), ProtocolField("name", .string(DHCPOptionName.name($0.code))),
                         ProtocolField("length", .unsigned($0.length))])
            }))
        }
        if let error = firstError {
            add("error.type", .string(error.kind.rawValue))
            add("error.message", .string(error.description))
        }
        return out
    }
}

extension DHCPTransaction {
    /// Every name `fields` can write, in its order: under `keep_null`, those
    /// a transaction has no value for are written as null.
    public static let fieldNames = [
        "event.start", "dhcp.op_code", "dhcp.message_type", "dhcp.transaction_id", "dhcp.hardware_type", "dhcp.hops",
        "dhcp.seconds", "dhcp.flags", "dhcp.client_mac", "dhcp.client_ip", "dhcp.assigned_address", "dhcp.server_ip",
        "dhcp.relay_ip", "dhcp.server_name", "dhcp.boot_file_name", "dhcp.hostname", "dhcp.client_fqdn",
        "dhcp.requested_address", "dhcp.server_identifier", "dhcp.lease_time", "dhcp.renewal_time",
        "dhcp.rebinding_time", "dhcp.vendor_class", "dhcp.client_id", "dhcp.parameter_request_list", "dhcp.subnet_mask",
        "dhcp.routers", "dhcp.dns_servers", "dhcp.domain_name", "dhcp.message", "dhcp.user_class", "dhcp.relay_agent",
        "dhcp.options", "error.type", "error.message",
    ]
}
