/// Every protocol's dataset, in wire-code order. Adding a protocol adds
/// one line here (docs/PROTOCOLS.md, "Adding a protocol").
extension Dataset {
    public static let all: [Dataset] = [.dns, .http, .tls, .dhcp, .icmp]

    private static let byCode: [Dataset?] = {
        var table = [Dataset?](repeating: nil, count: 256)
        for dataset in all { table[Int(dataset.code)] = dataset }
        return table
    }()

    /// The dataset of a wire code; nil for a code no protocol has.
    public static func coded(_ code: UInt8) -> Dataset? { byCode[Int(code)] }

    /// The dataset named `name` (`dns`, `http`, …).
    public static func named(_ name: String) -> Dataset? { all.first { $0.name == name } }

    /// "dns, http, tls, dhcp or icmp", for help texts and hints.
    public static var names: String {
        let names = all.map(\.name)
        guard names.count > 1 else { return names.joined() }
        return names.dropLast().joined(separator: ", ") + " or " + (names.last ?? "")
    }
}
