extension Dataset {
    /// DNS events: one per query and its response.
    public static let dns = Dataset(name: "dns", code: 0, queryNames: ["dns"], columns: [
        EventColumn("dns_id", from: "dns.id", .integer, query: ["dns.id"], values: 0 ... 65_535),
        EventColumn("question_name", from: "dns.question.name", .text,
                    query: ["dns.question.name", "dns.qry.name", "dns.query", "query"]),
        EventColumn("question_type", from: "dns.question.type", .text, query: ["dns.question.type", "dns.qry.type"]),
        EventColumn("response_code", from: "dns.response_code", .text, query: ["dns.response_code", "dns.rcode"]),
        EventColumn("resolved_ip", from: "dns.resolved_ip", .inetList, query: ["dns.resolved_ip", "dns.a", "dns.aaaa"]),
    ])
}
