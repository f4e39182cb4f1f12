import Events

/// What a field holds, which decides the operators and values it takes.
public enum FieldKind: Sendable, Hashable {
    /// An address: ==/!= an address or CIDR, `in` a set of them.
    case address
    /// An integer (ports, sizes, counts, ids): every comparison, `in` with ranges.
    case integer
    /// Text: ==/!= (with * wildcards), contains, matches, startswith, endswith, `in`.
    case text
    /// The transport: a name (tcp, udp, icmp, ipv6-icmp, sctp, …) or an IANA number.
    case transport
    /// A protocol or layer name: presence only.
    case presence
}

/// Where a field lives in one table (alias `p` packets, `f` flows).
enum Column: Sendable, Hashable {
    /// One SQL expression.
    case one(String)
    /// Either side (ip.addr, port): true when either expression matches.
    case either(String, String)
    /// A condition: the protocol or layer is present.
    case condition(String)
    /// An array column: true when any element matches.
    case array(String)
    /// A sensor name or id, matched through the capture.
    case sensor(captureColumn: String)
}

/// A packet's own field, as the packet index holds it (addresses are its
/// flow's, oriented by the packet's direction).
public enum PacketColumn: Sendable, Hashable {
    case source, destination, anyAddress
    case sourcePort, destinationPort, anyPort
    case transport, wireLength, capturedLength, frameNumber, captureID, sensor, vlanIDs

    /// The column of the `packets` table.
    var sql: Column {
        switch self {
        case .source: .one("p.src")
        case .destination: .one("p.dst")
        case .anyAddress: .either("p.src", "p.dst")
        case .sourcePort: .one("p.src_port")
        case .destinationPort: .one("p.dst_port")
        case .anyPort: .either("p.src_port", "p.dst_port")
        case .transport: .one("p.l4t")
        case .wireLength: .one("p.wirelen")
        case .capturedLength: .one("p.caplen")
        case .frameNumber: .one("p.frame_number")
        case .captureID: .one("p.capture_id")
        case .sensor: .sensor(captureColumn: "p.capture_id")
        case .vlanIDs: .array("p.vlan_ids")
        }
    }
}

/// A bare protocol name's test on a packet.
public enum PacketProtocol: Sendable, Hashable {
    /// The packet's addresses are IPv4 (4) or IPv6 (6).
    case family(Int)
    case transport(UInt8)
    case etherType(UInt16)
    case vlanTagged

    var sql: String {
        switch self {
        case .family(let family): "family(p.src) = \(family)"
        case .transport(let number): "p.l4t = \(number)"
        case .etherType(let type): "p.l3t = \(type)"
        case .vlanTagged: "p.vlan_ids IS NOT NULL"
        }
    }
}

/// A query field: its names, kind and columns. `packet` or `flow` is nil
/// when the field lives only in the other table (a flow's byte count, a
/// packet's size); the compiler then goes through the other table. An
/// application-layer field lives in an events table (`event`, alias `e`)
/// and selects the flows that carry a matching event.
struct FieldSpec: Sendable {
    var names: [String]
    var kind: FieldKind
    var packet: PacketColumn?
    var flow: Column?
    var event: EventTableColumn? = nil
    /// The transport the field implies (`tcp.port` is a TCP port).
    var packetRequires: UInt8? = nil
    var flowRequires: String? = nil
    /// Multiplies integer values before comparing (durations in seconds, stored in ns).
    var scale: Int64 = 1
    /// The values the column holds (before `scale`): a literal outside is
    /// a query error, since PostgreSQL refuses to bind it to the column's type.
    var values: ClosedRange<Int64> = IntegerRange.bigint

    /// The literals the field takes: `values` scaled down.
    var literals: ClosedRange<Int64> { values.lowerBound / scale ... values.upperBound / scale }
}

/// The ranges of integer columns: the SQL type's, or the protocol field's
/// where it is narrower.
enum IntegerRange {
    static let bigint = Int64.min ... Int64.max
    static let integer = Int64(Int32.min) ... Int64(Int32.max)
    /// Ports and DNS ids: 16 bits on the wire (the columns are wider).
    static let uint16: ClosedRange<Int64> = 0 ... 65_535
    /// An 802.1Q VLAN id: 12 bits.
    static let vlanID: ClosedRange<Int64> = 0 ... 4_095
    /// The IP protocol (next header) field: 8 bits, in a smallint column.
    static let ipProtocol: ClosedRange<Int64> = 0 ... 255
}

/// A column of one of the events tables (docs/DATA.md, "Events").
struct EventTableColumn: Sendable, Hashable {
    var table: String
    var column: Column

    init(_ table: String, _ column: String, array: Bool = false) {
        self.table = table
        self.column = array ? .array("e.\(column)") : .one("e.\(column)")
    }
}

/// Every field the language knows.
enum Fields {
    static let all: [FieldSpec] = [
        FieldSpec(names: ["source.ip", "ip.src", "ipv6.src", "src.ip"], kind: .address,
                  packet: .source, flow: .one("f.src")),
        FieldSpec(names: ["destination.ip", "ip.dst", "ipv6.dst", "dst.ip"], kind: .address,
                  packet: .destination, flow: .one("f.dst")),
        FieldSpec(names: ["ip.addr", "ipv6.addr", "host"], kind: .address,
                  packet: .anyAddress, flow: .either("f.src", "f.dst")),
        FieldSpec(names: ["source.port", "src.port", "srcport"], kind: .integer,
                  packet: .sourcePort, flow: .one("f.src_port"), values: IntegerRange.uint16),
        FieldSpec(names: ["destination.port", "dst.port", "dstport"], kind: .integer,
                  packet: .destinationPort, flow: .one("f.dst_port"), values: IntegerRange.uint16),
        FieldSpec(names: ["port"], kind: .integer,
                  packet: .anyPort, flow: .either("f.src_port", "f.dst_port"),
                  values: IntegerRange.uint16),
        FieldSpec(names: ["tcp.port"], kind: .integer, packet: .anyPort,
                  flow: .either("f.src_port", "f.dst_port"), packetRequires: 6, flowRequires: "f.protocol = 6",
                  values: IntegerRange.uint16),
        FieldSpec(names: ["tcp.srcport"], kind: .integer, packet: .sourcePort, flow: .one("f.src_port"),
                  packetRequires: 6, flowRequires: "f.protocol = 6",
                  values: IntegerRange.uint16),
        FieldSpec(names: ["tcp.dstport"], kind: .integer, packet: .destinationPort, flow: .one("f.dst_port"),
                  packetRequires: 6, flowRequires: "f.protocol = 6",
                  values: IntegerRange.uint16),
        FieldSpec(names: ["udp.port"], kind: .integer, packet: .anyPort,
                  flow: .either("f.src_port", "f.dst_port"), packetRequires: 17, flowRequires: "f.protocol = 17",
                  values: IntegerRange.uint16),
        FieldSpec(names: ["udp.srcport"], kind: .integer, packet: .sourcePort, flow: .one("f.src_port"),
                  packetRequires: 17, flowRequires: "f.protocol = 17",
                  values: IntegerRange.uint16),
        FieldSpec(names: ["udp.dstport"], kind: .integer, packet: .destinationPort, flow: .one("f.dst_port"),
                  packetRequires: 17, flowRequires: "f.protocol = 17",
                  values: IntegerRange.uint16),
        FieldSpec(names: ["network.transport", "proto", "ip.proto", "network.iana_number"], kind: .transport,
                  packet: .transport, flow: .one("f.protocol"), values: IntegerRange.ipProtocol),
        FieldSpec(names: ["network.community_id", "community_id"], kind: .text,
                  packet: nil, flow: .one("f.community_id")),
        FieldSpec(names: ["packet.size", "frame.len"], kind: .integer, packet: .wireLength, flow: nil,
                  values: IntegerRange.integer),
        FieldSpec(names: ["packet.caplen", "frame.cap_len"], kind: .integer, packet: .capturedLength, flow: nil,
                  values: IntegerRange.integer),
        FieldSpec(names: ["frame.number", "packet.id"], kind: .integer, packet: .frameNumber, flow: nil),
        FieldSpec(names: ["flow.bytes"], kind: .integer, packet: nil, flow: .one("(f.src_bytes + f.dst_bytes)")),
        FieldSpec(names: ["flow.packets"], kind: .integer, packet: nil, flow: .one("(f.src_packets + f.dst_packets)")),
        FieldSpec(names: ["flow.duration"], kind: .integer, packet: nil, flow: .one("(f.end_ns - f.start_ns)"),
                  scale: 1_000_000_000),
        FieldSpec(names: ["flow.id"], kind: .integer, packet: nil, flow: .one("f.id")),
        FieldSpec(names: ["capture.id"], kind: .integer, packet: .captureID, flow: .one("f.capture_id")),
        FieldSpec(names: ["sensor", "observer.name"], kind: .text,
                  packet: .sensor, flow: .sensor(captureColumn: "f.capture_id")),
        FieldSpec(names: ["vlan.id", "vlan"], kind: .integer,
                  packet: .vlanIDs, flow: .array("f.vlan_ids"), values: IntegerRange.vlanID),
    ] + application

    /// Application-layer fields, from each dataset's searchable columns.
    static let application: [FieldSpec] = Dataset.all.flatMap { dataset in
        dataset.columns.filter { !$0.queryNames.isEmpty }.map { column in
            FieldSpec(names: column.queryNames, kind: column.kind.fieldKind, packet: nil, flow: nil,
                      event: EventTableColumn(dataset.table, column.name, array: column.kind == .inetList),
                      values: column.values ?? IntegerRange.bigint)
        }
    }

    /// Bare application protocol names: the flow carries an event of that dataset.
    static let eventProtocols: [String: String] = Dictionary(
        Dataset.all.flatMap { dataset in dataset.queryNames.map { ($0, dataset.table) } }, uniquingKeysWith: { a, _ in a })

    /// Bare protocol names with Wireshark's meaning (`ip` is IPv4).
    static let protocols: [String: (packet: PacketProtocol, flow: String)] = [
        "ip": (.family(4), "family(f.src) = 4"),
        "ipv4": (.family(4), "family(f.src) = 4"),
        "ipv6": (.family(6), "family(f.src) = 6"),
        "tcp": (.transport(6), "f.protocol = 6"),
        "udp": (.transport(17), "f.protocol = 17"),
        "icmp": (.transport(1), "f.protocol = 1"),
        "icmpv6": (.transport(58), "f.protocol = 58"),
        "sctp": (.transport(132), "f.protocol = 132"),
        "arp": (.etherType(0x0806), "false"),
        "vlan": (.vlanTagged, "f.vlan_ids IS NOT NULL"),
    ]

    static let transports: [String: Int64] = [
        "icmp": 1, "igmp": 2, "tcp": 6, "udp": 17, "gre": 47, "esp": 50, "ah": 51, "ipv6-icmp": 58, "icmpv6": 58,
        "sctp": 132,
    ]

    static func spec(_ name: String) -> FieldSpec? {
        let lower = name.lowercased()
        return all.first { $0.names.contains(lower) }
    }
}

extension Events.EventColumn.Kind {
    /// What the query language compares the column's values as.
    var fieldKind: FieldKind {
        switch self {
        case .text: .text
        case .integer: .integer
        case .inet, .inetList: .address
        }
    }
}
