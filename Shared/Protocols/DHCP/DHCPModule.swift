import Events
import Dissection

/// DHCPv4 (BOOTP) over UDP.
public enum DHCPModule {
    public static let descriptor = ProtocolModule(
        DHCPTransaction.self, defaultPorts: defaultPorts, transports: [IPProtocol.udp], sniff: sniff
    ) { _, _ in DHCPSession() }

    public static let defaultPorts: Set<UInt16> = [67, 68]

    /// A BOOTP op, Ethernet-like hardware length and the DHCP magic cookie.
    public static func sniff(_ payload: UnsafeRawBufferPointer, direction: Direction) -> Bool {
        guard let message = try? DHCPParser().parse(payload) else { return false }
        return (message.op == 1 || message.op == 2) && message.hardwareLength <= 16
            && message.magicCookie == DHCPParser.magicCookie
    }
}

extension DHCPTransaction: ProtocolTransaction {
    public static var dataset: Dataset { .dhcp }

    /// NetSift's text of the message, as the request when a client sent it, else as the response.
    public var requestText: String? { message.flatMap { $0.isRequest ? $0.text : nil } }
    public var responseText: String? { message.flatMap { $0.isRequest ? nil : $0.text } }

    public var summary: String {
        guard let m = message else { return "malformed: \(firstError?.description ?? "no message")" }
        let fields = self.fields
        func text(_ name: String) -> String? { if case .string(let v)? = fields[field: name] { v } else { nil } }
        var line = "DHCP \(text("dhcp.message_type") ?? (m.isRequest ? "BOOTREQUEST" : "BOOTREPLY"))"
        line += " xid \(text("dhcp.transaction_id") ?? "?") mac \(m.clientMAC)"
        if let requested = text("dhcp.requested_address") { line += " requested \(requested)" }
        if let assigned = text("dhcp.assigned_address"), assigned != "0.0.0.0" { line += " yiaddr \(assigned)" }
        if let server = text("dhcp.server_identifier") { line += " server \(server)" }
        if case .integer(let lease)? = fields[field: "dhcp.lease_time"] { line += " lease \(lease)s" }
        if let host = text("dhcp.hostname") { line += " hostname \(host)" }
        return line
    }
}
