extension Dataset {
    /// HTTP events: one per request and its response.
    public static let http = Dataset(name: "http", code: 1, queryNames: ["http"], columns: [
        EventColumn("method", from: "http.request.method", .text, query: ["http.request.method", "http.method"]),
        EventColumn("url", from: "url.original", .text, query: ["url.original", "http.uri", "http.request.uri"]),
        EventColumn("host", from: "url.domain", .text, query: ["url.domain", "http.host"]),
        EventColumn("status_code", from: "http.response.status_code", .integer,
                    query: ["http.response.status_code", "http.status", "http.response.code"]),
        EventColumn("user_agent", from: "user_agent.original", .text,
                    query: ["user_agent.original", "http.user_agent", "http.useragent"]),
    ])
}
