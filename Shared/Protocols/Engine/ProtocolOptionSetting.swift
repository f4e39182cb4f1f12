import Events

/// One of Packetbeat's per-protocol options as text, `protocol.key=value`,
/// as `netsift dump --l7-option` takes it: `dns.send_request=true`,
/// `http.ports=80,8080`, `dns.transaction_timeout=2s`, `tls.tags=edge,lab`.
public struct ProtocolOptionSetting: Sendable, Hashable {
    public struct Invalid: Error, Hashable, CustomStringConvertible {
        public var description: String
    }

    public let dataset: Dataset
    public let key: String
    public let value: String

    public static let keys = ["enabled", "ports", "send_request", "send_response", "transaction_timeout", "tags", "keep_null"]

    public init(_ text: String) throws(Invalid) {
        guard let equals = text.firstIndex(of: "="), let dot = text[..<equals].firstIndex(of: ".") else {
            throw Invalid(description: "'\(text)' is not protocol.key=value")
        }
        let name = String(text[..<dot])
        guard let dataset = ProtocolModules.all.first(where: { $0.dataset.name == name })?.dataset else {
            throw Invalid(description: "unknown protocol '\(name)' (one of "
                + ProtocolModules.all.map(\.dataset.name).joined(separator: ", ") + ")")
        }
        self.dataset = dataset
        key = String(text[text.index(after: dot) ..< equals])
        guard Self.keys.contains(key) else {
            throw Invalid(description: "unknown option '\(key)' (one of \(Self.keys.joined(separator: ", ")))")
        }
        value = String(text[text.index(after: equals)...])
    }

    public func apply(to config: inout ApplicationConfig) throws(Invalid) {
        var options = config[dataset]
        switch key {
        case "enabled": options.enabled = try flag()
        case "ports":
            let ports = list().map { UInt16($0) }
            guard !ports.contains(nil) else { throw Invalid(description: "\(dataset).ports: '\(value)' is not a list of ports") }
            options.ports = Set(ports.compactMap { $0 })
        case "send_request": options.sendRequest = try flag()
        case "send_response": options.sendResponse = try flag()
        case "transaction_timeout": options.transactionTimeout = try duration()
        case "tags": options.tags = list()
        default: options.keepNull = try flag()
        }
        config[dataset] = options
    }

    private func list() -> [String] { value.split(separator: ",").map { String($0) } }

    private func flag() throws(Invalid) -> Bool {
        switch value.lowercased() {
        case "true": return true
        case "false": return false
        default: throw Invalid(description: "\(dataset).\(key): '\(value)' is not true or false")
        }
    }

    /// A Go-style duration as Packetbeat's configuration takes it (`10s`,
    /// `500ms`, `1m`, `1.5h`), or a number of seconds; in nanoseconds.
    private func duration() throws(Invalid) -> Int64 {
        let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9)]
        let unit = units.first { value.hasSuffix($0.0) && Double(value.dropLast($0.0.count)) != nil }
        let number = Double(unit.map { String(value.dropLast($0.0.count)) } ?? value)
        guard let number, number >= 0, number * (unit?.1 ?? 1e9) < 9e18 else {
            throw Invalid(description: "\(dataset).\(key): '\(value)' is not a duration such as 10s or 500ms")
        }
        return Int64(number * (unit?.1 ?? 1e9))
    }
}
