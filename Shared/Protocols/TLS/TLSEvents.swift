extension Dataset {
    /// TLS events: one per handshake.
    public static let tls = Dataset(name: "tls", code: 2, queryNames: ["tls", "ssl"], columns: [
        EventColumn("server_name", from: "tls.client.server_name", .text,
                    query: ["tls.server.name", "tls.client.server_name", "sni", "tls.sni", "tls.handshake.extensions_server_name"]),
        EventColumn("version", from: "tls.version", .text, query: ["tls.version"]),
        EventColumn("ja3", from: "tls.client.ja3", .text, query: ["tls.client.ja3", "ja3", "tls.ja3"]),
        EventColumn("ja3s", from: "tls.server.ja3s", .text, query: ["tls.server.ja3s", "ja3s", "tls.ja3s"]),
        EventColumn("ja4", from: "tls.client.ja4", .text, query: ["tls.client.ja4", "ja4", "tls.ja4"]),
        EventColumn("subject", from: "tls.server.x509.subject.distinguished_name", .text,
                    query: ["tls.server.x509.subject", "tls.server.subject", "cert.subject"]),
        EventColumn("issuer", from: "tls.server.x509.issuer.distinguished_name", .text,
                    query: ["tls.server.x509.issuer", "tls.server.issuer", "cert.issuer"]),
    ])
}
