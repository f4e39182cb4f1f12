import ArgumentParser
import Events
import Formats
import Foundation
import QueryLanguage

/// `netsift search 'QUERY'`: a query (docs/QUERY.md) through the API, every
/// result page by page (or the first `--limit`), as a table or JSON lines.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search stored packets, flows or events with a query (docs/QUERY.md).")

    enum Target: String, ExpressibleByArgument { case packets, flows, events }

    @Argument(help: "The query, e.g. 'tcp && port == 443'.")
    var query: String
    @OptionGroup var endpoint: APIOptions
    @Option(name: .customLong("as"), help: "packets, flows or events (with --dataset).")
    var target: Target = .packets
    @Option(help: ArgumentHelp("The protocol whose events --as events returns: \(Dataset.names)."))
    var dataset: String?
    @Option(help: "Print at most this many results (all when absent).")
    var limit: Int?
    @Flag(help: "One JSON object per line: a PACKET (with CaptureId), a FLOW or an event.")
    var json = false
    @Option(help: "Only the last 90s, 15m, 1h, 7d, 2w.")
    var last: String?
    @Option(help: "From this RFC 3339 time on, e.g. 2024-05-01T12:00:00Z.")
    var after: String?
    @Option(help: "Before this RFC 3339 time.")
    var before: String?

    func run() throws {
        let client = try endpoint.client()
        // `--last` is fixed once, so every page covers the same window.
        let window: TimeWindow
        do {
            window = try TimeWindow.parse(last: last, after: after, before: before,
                                          now: Int64(Date().timeIntervalSince1970 * 1e9))
        } catch {
            throw ValidationError("\(error)")
        }
        let bounds = [("start", window.start), ("end", window.end)].compactMap { name, time in
            time.map { URLQueryItem(name: name, value: Timestamp.rfc3339($0)) }
        }
        var afterCapture: UInt64 = 0
        var after: UInt64 = 0
        var printed = 0
        var header = !json
        while limit.map({ printed < $0 }) ?? true {
            let page = min(1_000, limit.map { $0 - printed } ?? 1_000)
            let value = try client.object("GET", "/search", [
                URLQueryItem(name: "q", value: query), URLQueryItem(name: "as", value: target.rawValue),
                URLQueryItem(name: "after_capture", value: "\(afterCapture)"), URLQueryItem(name: "after", value: "\(after)"),
                URLQueryItem(name: "limit", value: "\(page)"),
            ] + bounds + (dataset.map { [URLQueryItem(name: "dataset", value: $0)] } ?? []), command: "search")
            let items = rows(value)
            if header {
                say(Self.header(target))
                header = false
            }
            for item in items { say(json ? APIClient.jsonLine(item) : Self.tableLine(item, target)) }
            printed += items.count
            guard !items.isEmpty, let last = (value["LastId"] as? NSNumber)?.uint64Value else { break }
            after = last
            afterCapture = (value["LastCaptureId"] as? NSNumber)?.uint64Value ?? 0
        }
    }

    /// Packets (with their capture id) in capture and frame order, or flows.
    private func rows(_ value: [String: Any]) -> [[String: Any]] {
        if target != .packets { return value["Items"] as? [[String: Any]] ?? [] }
        let results = value["Results"] as? [String: [[String: Any]]] ?? [:]
        return results.keys.sorted { (UInt64($0) ?? 0) < (UInt64($1) ?? 0) }.flatMap { capture in
            (results[capture] ?? []).map { packet in packet.merging(["CaptureId": UInt64(capture) ?? 0]) { a, _ in a } }
        }
    }

    static func header(_ target: Target) -> String {
        switch target {
        case .packets: "capture\tframe\ttime\tsource\tdestination\tproto\tsize"
        case .flows: "flow\tcapture\tstart\tsource\tdestination\tproto\tpackets\tbytes\tcommunity_id"
        case .events: "event\tcapture\ttime\tdataset\tflow\tcommunity_id"
        }
    }

    static func tableLine(_ item: [String: Any], _ target: Target) -> String {
        func text(_ key: String) -> String { item[key].map { "\($0)" } ?? "" }
        func endpoint(_ ip: String, _ port: String) -> String {
            let address = text(ip)
            let number = text(port)
            guard !address.isEmpty else { return "-" }
            let shown = address.contains(":") ? "[\(address)]" : address
            return number == "0" || number.isEmpty ? shown : "\(shown):\(number)"
        }
        switch target {
        case .packets:
            return [text("CaptureId"), text("Id"), text("DTGText"), endpoint("SrcIp", "SrcPort"), endpoint("DstIp", "DstPort"),
                    text("L4t"), text("WireSize")].joined(separator: "\t")
        case .events:
            func member(_ object: String, _ key: String) -> String {
                (item[object] as? [String: Any])?[key].map { "\($0)" } ?? ""
            }
            return [member("netsift", "event"), member("netsift", "capture"), text("@timestamp"), member("event", "dataset"),
                    member("flow", "id"), member("network", "community_id")].joined(separator: "\t")
        case .flows:
            let packets = ((item["SrcPackets"] as? Int) ?? 0) + ((item["DstPackets"] as? Int) ?? 0)
            let bytes = ((item["SrcBytes"] as? Int) ?? 0) + ((item["DstBytes"] as? Int) ?? 0)
            return [text("Id"), text("CaptureId"), text("DTGText"), endpoint("SrcIp", "SrcPort"), endpoint("DstIp", "DstPort"),
                    text("IpProtocol"), "\(packets)", "\(bytes)", text("CommunityId")].joined(separator: "\t")
        }
    }
}
