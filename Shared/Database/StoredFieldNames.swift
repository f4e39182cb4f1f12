/// The field names `StoredEventFields` writes as a number instead of their
/// text (version 2): every name the protocols write, in the order first
/// listed, so the commonest take one byte. Rows on disk hold these numbers:
/// the list only ever grows at its end (`StoredFieldNamesTests` pins it).
/// A name not listed is written out; a protocol added later appends its
/// names here.
enum StoredFieldNames {
    static let names: [String] = [
        "network.transport", "dns.id", "dns.type", "dns.op_code", "dns.header_flags",
        "dns.flags.authoritative", "dns.flags.truncated_response", "dns.flags.recursion_desired",
        "dns.flags.recursion_available", "dns.flags.authentic_data", "dns.flags.checking_disabled",
        "dns.question.name", "dns.question.type", "dns.question.class", "dns.response_code",
        "dns.answers_count", "dns.answers", "dns.authorities_count", "dns.authorities",
        "dns.additionals_count", "dns.additionals", "dns.resolved_ip", "dns.opt.version", "dns.opt.do",
        "dns.opt.udp_size", "source.bytes", "destination.bytes", "event.start", "event.end", "event.duration",
        "status", "error.type", "error.message", "name", "type", "class", "ttl", "data", "event.dataset",
        "network.protocol", "http.request.method", "http.version", "url.original", "url.scheme", "url.domain",
        "url.port", "url.path", "url.query", "user_agent.original", "http.request.referrer",
        "netsift.http.request.has_cookie", "netsift.http.request.cookie_names",
        "netsift.http.request.authorization_type", "url.username", "user.name", "http.request.mime_type",
        "http.request.headers.content-length", "http.request.headers.content-encoding",
        "http.request.headers.transfer-encoding", "netsift.http.request.header_names", "http.request.bytes",
        "http.request.body.bytes", "netsift.http.request.body.decoded_bytes", "netsift.http.request.anomalies",
        "http.response.status_code", "http.response.status_phrase", "http.response.headers.location",
        "http.response.headers.server", "netsift.http.response.sets_cookie", "http.response.mime_type",
        "http.response.headers.content-length", "http.response.headers.content-encoding",
        "http.response.headers.transfer-encoding", "netsift.http.response.header_names", "http.response.bytes",
        "http.response.body.bytes", "netsift.http.response.body.decoded_bytes",
        "netsift.http.response.anomalies", "netsift.http.notes", "tls.version", "tls.version_protocol",
        "tls.detailed.version", "tls.cipher", "tls.next_protocol", "tls.established", "tls.resumed",
        "tls.client.server_name", "tls.client.ja3", "tls.client.ja3_string", "tls.client.ja4",
        "tls.client.supported_ciphers", "tls.detailed.client_hello.version",
        "tls.detailed.client_hello.extensions.application_layer_protocol_negotiation",
        "tls.detailed.client_hello.extensions.supported_versions", "tls.server.ja3s", "tls.server.ja3s_string",
        "tls.detailed.server_hello.version", "tls.server.hash.sha1", "tls.server.hash.sha256",
        "tls.server.subject", "tls.server.issuer", "tls.server.x509.subject.distinguished_name",
        "tls.server.x509.issuer.distinguished_name", "tls.server.x509.subject.common_name",
        "tls.server.x509.subject.organization", "tls.server.x509.subject.organizational_unit",
        "tls.server.x509.subject.country", "tls.server.x509.subject.locality",
        "tls.server.x509.subject.state_or_province", "tls.server.x509.issuer.common_name",
        "tls.server.x509.issuer.organization", "tls.server.x509.issuer.organizational_unit",
        "tls.server.x509.issuer.country", "tls.server.x509.issuer.locality",
        "tls.server.x509.issuer.state_or_province", "tls.server.x509.alternative_names",
        "tls.server.x509.not_before", "tls.server.not_before", "tls.server.x509.not_after",
        "tls.server.not_after", "tls.server.x509.serial_number", "tls.server.x509.version_number",
        "tls.client.hash.sha1", "tls.client.hash.sha256", "tls.client.subject", "tls.client.issuer",
        "tls.client.x509.subject.distinguished_name", "tls.client.x509.issuer.distinguished_name",
        "tls.client.x509.subject.common_name", "tls.client.x509.subject.organization",
        "tls.client.x509.subject.organizational_unit", "tls.client.x509.subject.country",
        "tls.client.x509.subject.locality", "tls.client.x509.subject.state_or_province",
        "tls.client.x509.issuer.common_name", "tls.client.x509.issuer.organization",
        "tls.client.x509.issuer.organizational_unit", "tls.client.x509.issuer.country",
        "tls.client.x509.issuer.locality", "tls.client.x509.issuer.state_or_province",
        "tls.client.x509.alternative_names", "tls.client.x509.not_before", "tls.client.not_before",
        "tls.client.x509.not_after", "tls.client.not_after", "tls.client.x509.serial_number",
        "tls.client.x509.version_number", "tls.detailed.server_certificate_chain.subject",
        "tls.detailed.alert_types", "event.anomalies", "dhcp.op_code", "dhcp.message_type",
        "dhcp.transaction_id", "dhcp.hardware_type", "dhcp.hops", "dhcp.seconds", "dhcp.flags",
        "dhcp.client_mac", "dhcp.client_ip", "dhcp.assigned_address", "dhcp.server_ip", "dhcp.relay_ip",
        "dhcp.server_name", "dhcp.boot_file_name", "dhcp.hostname", "dhcp.client_fqdn",
        "dhcp.requested_address", "dhcp.server_identifier", "dhcp.lease_time", "dhcp.renewal_time",
        "dhcp.rebinding_time", "dhcp.vendor_class", "dhcp.client_id", "dhcp.parameter_request_list",
        "dhcp.subnet_mask", "dhcp.routers", "dhcp.dns_servers", "dhcp.domain_name", "dhcp.message",
        "dhcp.user_class", "dhcp.relay_agent", "dhcp.options", "icmp.version", "icmp.request.type",
        "icmp.request.code", "icmp.request.message", "icmp.response.type", "icmp.response.code",
        "icmp.response.message", "netsift.icmp.echo.id", "netsift.icmp.echo.sequence",
        "netsift.icmp.quoted.source.ip", "netsift.icmp.quoted.destination.ip",
        "netsift.icmp.quoted.iana_number", "netsift.icmp.quoted.source.port",
        "netsift.icmp.quoted.destination.port", "netsift.icmp.nd.target", "netsift.icmp.nd.link_layer_address",
        "request", "response", "tags",
    ]

    /// A name's number (its place in `names`), found by the bytes of the
    /// name without making a `String`: open addressing over FNV-1a.
    static func number(of bytes: UnsafeRawBufferPointer) -> Int? {
        var slot = Int(hash(bytes)) & mask
        while true {
            let entry = table[slot]
            if entry < 0 { return nil }
            let name = utf8[Int(entry)]
            if name.count == bytes.count, name.withUnsafeBytes({ $0.elementsEqual(bytes) }) { return Int(entry) }
            slot = (slot + 1) & mask
        }
    }

    private static let utf8: [[UInt8]] = names.map { Array($0.utf8) }

    /// Four slots per name or more, a power of two: probes stay short.
    private static let mask = (1 << (Int.bitWidth - (names.count * 4).leadingZeroBitCount)) - 1

    private static let table: [Int16] = {
        var table = [Int16](repeating: -1, count: mask + 1)
        for (number, name) in utf8.enumerated() {
            var slot = name.withUnsafeBytes { Int(hash($0)) } & mask
            while table[slot] >= 0 { slot = (slot + 1) & mask }
            table[slot] = Int16(number)
        }
        return table
    }()

    private static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var hash: UInt32 = 0x811C_9DC5
        for byte in bytes { hash = (hash ^ UInt32(byte)) &* 0x0100_0193 }
        return hash
    }
}
