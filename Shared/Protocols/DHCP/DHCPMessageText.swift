import Dissection

/// The text of a message for `request` (a BOOTREQUEST) or `response` (a
/// BOOTREPLY) under `send_request` / `send_response`; Packetbeat's dhcpv4
/// writes neither. The fixed fields by their RFC 2131 names, then each
/// option in wire order, its value where NetSift decodes it, else its size:
/// `BOOTREQUEST xid 0x00003d1d hops 0 secs 0 flags unicast ciaddr 0.0.0.0 …
/// chaddr 00:0b:82:01:fc:42; message_type DISCOVER; client_id 00:0b:82:01:fc:42`.
extension DHCPMessage {
    public var text: String {
        var fixed = "\(op == 1 ? "BOOTREQUEST" : op == 2 ? "BOOTREPLY" : "op \(op)") "
            + "xid \(DHCPConversations.transactionIDText(transactionID)) hops \(hops) secs \(seconds) "
            + "flags \(broadcast ? "broadcast" : "unicast") ciaddr \(clientAddress) yiaddr \(yourAddress) "
            + "siaddr \(serverAddress) giaddr \(relayAddress) chaddr \(clientMAC)"
        if !serverName.isEmpty { fixed += " sname \(serverName)" }
        if !bootFile.isEmpty { fixed += " file \(bootFile)" }
        return ([fixed] + options.map { entry in
            "\(DHCPOptionName.name(entry.code)) " + (value(of: entry.code) ?? "(\(entry.length) bytes)")
        }).joined(separator: "; ")
    }

    private func value(of code: UInt8) -> String? {
        let o = decoded
        func list(_ addresses: [IPAddress]) -> String? {
            addresses.isEmpty ? nil : addresses.map(\.description).joined(separator: ",")
        }
        switch code {
        case 1: return o.subnetMask?.description
        case 3: return list(o.routers)
        case 6: return list(o.dnsServers)
        case 12: return o.hostname
        case 15: return o.domainName
        case 28: return o.broadcastAddress?.description
        case 50: return o.requestedAddress?.description
        case 51: return o.leaseTime.map { String($0) }
        case 52: return o.overload.map { String($0) }
        case 53: return o.messageType.map(DHCPMessageType.name)
        case 54: return o.serverIdentifier?.description
        case 55: return o.parameterRequestList.map(DHCPOptionName.name).joined(separator: ",")
        case 56: return o.message
        case 57: return o.maxMessageSize.map { String($0) }
        case 58: return o.renewalTime.map { String($0) }
        case 59: return o.rebindingTime.map { String($0) }
        case 60: return o.vendorClass
        case 61: return o.clientIdentifierText
        case 77: return o.userClass.isEmpty ? nil : o.userClass.joined(separator: ",")
        case 81: return o.clientFQDN?.domainName
        case 82: return o.relayAgent.isEmpty ? nil : o.relayAgent.map { "\($0.code)=\(DHCPText.hex($0.value))" }.joined(separator: ",")
        default: return nil
        }
    }
}
