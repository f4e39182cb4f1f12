extension Dataset {
    /// ICMP and ICMPv6 events: one per request and its reply, or per lone message.
    /// Not searchable by field yet; the bare word `icmp` is the transport.
    public static let icmp = Dataset(name: "icmp", code: 4, queryNames: [], columns: [
        EventColumn("version", from: "icmp.version", .integer),
        EventColumn("request_type", from: "icmp.request.type", .integer),
        EventColumn("request_code", from: "icmp.request.code", .integer),
        EventColumn("response_type", from: "icmp.response.type", .integer),
        EventColumn("response_code", from: "icmp.response.code", .integer),
    ])
}
