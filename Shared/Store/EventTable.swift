import Dissection
import Protocols
import Records

/// One protocol's events table: the columns every events table has, then
/// the transaction fields kept in columns of their own for searching and
/// listing; the whole event is in `doc` (jsonb, as `netsift dump --json`
/// prints it). Migration 6 creates the tables with these columns.
public struct EventTable: Sendable {
    public enum Kind: Sendable {
        /// text from a string field.
        case text
        /// bigint from an integer field.
        case integer
        /// inet from an address string.
        case inet
        /// inet[] from a list of address strings.
        case inetList
    }

    public struct Column: Sendable {
        public let name: String
        /// The ECS field it is read from.
        public let field: String
        public let kind: Kind
    }

    public let proto: ApplicationProtocol
    public let partitions: PartitionManager.Table
    public let columns: [Column]

    public var name: String { partitions.name }

    /// Columns of every events table, in the order `encode` writes them first.
    public static let commonColumns = "capture_id, flow_key, ts_ns, sequence, batch_id, community_id, frames, doc"
    static let commonFieldCount = 8

    public static let dns = EventTable(proto: .dns, partitions: .dnsEvents, columns: [
        Column(name: "dns_id", field: "dns.id", kind: .integer),
        Column(name: "question_name", field: "dns.question.name", kind: .text),
        Column(name: "question_type", field: "dns.question.type", kind: .text),
        Column(name: "response_code", field: "dns.response_code", kind: .text),
        Column(name: "resolved_ip", field: "dns.resolved_ip", kind: .inetList),
    ])
    public static let http = EventTable(proto: .http, partitions: .httpEvents, columns: [
        Column(name: "method", field: "http.request.method", kind: .text),
        Column(name: "url", field: "url.original", kind: .text),
        Column(name: "host", field: "url.domain", kind: .text),
        Column(name: "status_code", field: "http.response.status_code", kind: .integer),
        Column(name: "user_agent", field: "user_agent.original", kind: .text),
    ])
    public static let tls = EventTable(proto: .tls, partitions: .tlsEvents, columns: [
        Column(name: "server_name", field: "tls.client.server_name", kind: .text),
        Column(name: "version", field: "tls.version", kind: .text),
        Column(name: "ja3", field: "tls.client.ja3", kind: .text),
        Column(name: "ja3s", field: "tls.server.ja3s", kind: .text),
        Column(name: "ja4", field: "tls.client.ja4", kind: .text),
        Column(name: "subject", field: "tls.server.x509.subject.distinguished_name", kind: .text),
        Column(name: "issuer", field: "tls.server.x509.issuer.distinguished_name", kind: .text),
    ])
    public static let dhcp = EventTable(proto: .dhcp, partitions: .dhcpEvents, columns: [
        Column(name: "message_type", field: "dhcp.message_type", kind: .text),
        Column(name: "transaction_id", field: "dhcp.transaction_id", kind: .text),
        Column(name: "client_mac", field: "dhcp.client_mac", kind: .text),
        Column(name: "hostname", field: "dhcp.hostname", kind: .text),
        Column(name: "assigned_address", field: "dhcp.assigned_address", kind: .inet),
        Column(name: "requested_address", field: "dhcp.requested_address", kind: .inet),
    ])
    public static let icmp = EventTable(proto: .icmp, partitions: .icmpEvents, columns: [
        Column(name: "version", field: "icmp.version", kind: .integer),
        Column(name: "request_type", field: "icmp.request.type", kind: .integer),
        Column(name: "request_code", field: "icmp.request.code", kind: .integer),
        Column(name: "response_type", field: "icmp.response.type", kind: .integer),
        Column(name: "response_code", field: "icmp.response.code", kind: .integer),
    ])

    public static let all: [EventTable] = [dns, http, tls, dhcp, icmp]

    public static func of(_ proto: ApplicationProtocol) -> EventTable {
        switch proto {
        case .dns: dns
        case .http: http
        case .tls: tls
        case .dhcp: dhcp
        case .icmp: icmp
        }
    }

    /// `COPY <table> (<columns>) FROM STDIN (FORMAT binary)`.
    var copyStatement: String {
        "COPY \(name) (\(Self.commonColumns), \(columns.map(\.name).joined(separator: ", "))) FROM STDIN (FORMAT binary)"
    }

    /// One row. PostgreSQL's text and jsonb cannot hold NUL, so NULs in the
    /// event's strings become U+FFFD first.
    func encode(_ event: EventRecord, batchID: Int64, into encoder: inout BinaryCopyEncoder) {
        var event = event
        if event.fields.contains(where: \.value.containsNUL) { event.fields = event.fields.map(\.withoutNUL) }
        encoder.beginRow(fieldCount: Int16(Self.commonFieldCount + columns.count))
        encoder.append(int8: Int64(bitPattern: event.captureID))
        encoder.append(int8: Int64(bitPattern: event.flowKey))
        encoder.append(int8: event.time)
        encoder.append(int4: Int32(bitPattern: event.sequence))
        encoder.append(int8: batchID)
        encoder.append(text: event.communityID)
        encoder.append(array: event.frames, elementOID: 20) { $0.append(int8: Int64(bitPattern: $1)) }
        encoder.append(jsonb: EventDocument.bytes(event))
        for column in columns {
            let value = event.fields[field: column.field]
            switch (column.kind, value) {
            case (.text, .string(let s)?): encoder.append(text: s)
            case (.integer, .integer(let i)?): encoder.append(int8: i)
            case (.inet, .string(let s)?): Self.append(inet: s, into: &encoder)
            case (.inetList, .list(let values)?):
                let addresses = values.compactMap { value -> IPAddress? in
                    if case .string(let s) = value { IPAddress(s) } else { nil }
                }
                encoder.append(array: addresses, elementOID: BinaryCopyEncoder.inetOID) { Self.append(address: $1, into: &$0) }
            default: encoder.appendNull()
            }
        }
    }

    private static func append(inet text: String, into encoder: inout BinaryCopyEncoder) {
        guard let address = IPAddress(text) else { return encoder.appendNull() }
        append(address: address, into: &encoder)
    }

    private static func append(address: IPAddress, into encoder: inout BinaryCopyEncoder) {
        if address.isIPv6 {
            encoder.append(inetV6High: address.high, low: address.low)
        } else {
            encoder.append(inetV4: address.v4)
        }
    }
}

extension ProtocolField {
    /// The field with every NUL in its strings replaced by U+FFFD.
    var withoutNUL: ProtocolField { ProtocolField(name, value.withoutNUL) }
}

extension ProtocolField.Value {
    var containsNUL: Bool {
        switch self {
        case .string(let s): s.utf8.contains(0)
        case .list(let values): values.contains(where: \.containsNUL)
        case .object(let fields): fields.contains(where: \.value.containsNUL)
        default: false
        }
    }

    var withoutNUL: Self {
        switch self {
        case .string(let s) where s.utf8.contains(0): .string(s.replacingNUL())
        case .list(let values): .list(values.map(\.withoutNUL))
        case .object(let fields): .object(fields.map(\.withoutNUL))
        default: self
        }
    }
}

extension String {
    func replacingNUL() -> String {
        String(String.UnicodeScalarView(unicodeScalars.map { $0 == "\0" ? "\u{FFFD}" : $0 }))
    }
}
