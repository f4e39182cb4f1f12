extension Dataset {
    /// DHCPv4 events: one per message.
    public static let dhcp = Dataset(name: "dhcp", code: 3, queryNames: ["dhcp"], columns: [
        EventColumn("message_type", from: "dhcp.message_type", .text, query: ["dhcp.message_type", "dhcp.type"]),
        EventColumn("transaction_id", from: "dhcp.transaction_id", .text, query: ["dhcp.transaction_id", "dhcp.id"]),
        EventColumn("client_mac", from: "dhcp.client_mac", .text, query: ["dhcp.client_mac", "dhcp.mac"]),
        EventColumn("hostname", from: "dhcp.hostname", .text, query: ["dhcp.hostname", "dhcp.option.hostname"]),
        EventColumn("assigned_address", from: "dhcp.assigned_address", .inet,
                    query: ["dhcp.assigned_address", "dhcp.assigned_ip", "dhcp.yiaddr"]),
        EventColumn("requested_address", from: "dhcp.requested_address", .inet,
                    query: ["dhcp.requested_address", "dhcp.requested_ip"]),
    ])
}
