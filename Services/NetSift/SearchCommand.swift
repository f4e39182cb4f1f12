import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Model
import Operations
import Query

/// `netsift search 'QUERY'`: a query (docs/QUERY.md) through the API, every
/// result page by page (or the first `--limit`), as a table or JSON lines.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search stored packets, flows or events with a query (docs/QUERY.md).")

    enum Target: String, ExpressibleByArgument { case packets, flows, events }

    @Argument(help: "The query, e.g. 'tcp && port == 443'.")
    var query: String
    @OptionGroup var data: DataOption
    @Option(help: "The API to ask instead of the local deployment, e.g. http://host:8080/api/v1 (key: NETSIFT_API_KEY).")
    var api: String?
    @Option(name: .customLong("as"), help: "packets, flows or events (with --dataset).")
    var target: Target = .packets
    @Option(help: "The protocol whose events --as events returns: dns, http, tls, dhcp or icmp.")
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
        let (base, key) = try endpoint()
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
            var components = URLComponents(string: base + "/search")
            components?.queryItems = [
                URLQueryItem(name: "q", value: query), URLQueryItem(name: "as", value: target.rawValue),
                URLQueryItem(name: "after_capture", value: "\(afterCapture)"), URLQueryItem(name: "after", value: "\(after)"),
                URLQueryItem(name: "limit", value: "\(page)"),
            ] + bounds + (dataset.map { [URLQueryItem(name: "dataset", value: $0)] } ?? [])
            // '+' is a space in query strings: send it encoded.
            let encoded = components?.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
            components?.percentEncodedQuery = encoded
            guard let url = components?.url else { throw ValidationError("bad API address \(base)") }
            let body = try Self.get(url, key: key)
            guard let envelope = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                throw ValidationError("the API answered something that is not JSON")
            }
            guard envelope["ErrorCode"] as? Int == 0, let value = envelope["ReturnValue"] as? [String: Any] else {
                printError("netsift search: \(envelope["ReturnValue"] as? String ?? "failed")")
                throw ExitCode(1)
            }
            let items = rows(value)
            if header {
                switch target {
                case .packets: say("capture\tframe\ttime\tsource\tdestination\tproto\tsize")
                case .flows: say("flow\tcapture\tstart\tsource\tdestination\tproto\tpackets\tbytes\tcommunity_id")
                case .events: say("event\tcapture\ttime\tdataset\tflow\tcommunity_id")
                }
                header = false
            }
            for item in items { say(json ? Self.jsonLine(item) : Self.tableLine(item, target)) }
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

    private func endpoint() throws -> (String, String) {
        if let api {
            guard let key = ProcessInfo.processInfo.environment["NETSIFT_API_KEY"] else {
                throw ValidationError("--api needs the key in NETSIFT_API_KEY")
            }
            return (api, key)
        }
        let deployment = try Deployment.load(dataDirectory: data.path)
        let key = try String(contentsOfFile: data.path + "/admin.key", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return (deployment.apiURL, key)
    }

    static func get(_ url: URL, key: String) throws -> Data {
        var request = URLRequest(url: url)
        request.setValue("Token \(key)", forHTTPHeaderField: "Authorization")
        request.timeoutInterval = 120
        let done = DispatchSemaphore(value: 0)
        let result = LockedResult()
        URLSession.shared.dataTask(with: request) { data, _, error in
            result.set(data, error)
            done.signal()
        }.resume()
        done.wait()
        let (data, error) = result.get()
        if let error { throw ValidationError("cannot reach the API at \(url.host ?? ""): \(error.localizedDescription)") }
        return data ?? Data()
    }

    static func jsonLine(_ item: [String: Any]) -> String {
        (try? JSONSerialization.data(withJSONObject: item, options: [.sortedKeys, .withoutEscapingSlashes]))
            .map { String(decoding: $0, as: UTF8.self) } ?? "{}"
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

/// The data task's outcome, handed from its thread to the waiting one.
private final class LockedResult: @unchecked Sendable {
    // @unchecked: `data` and `error` are guarded by `lock`.
    private let lock = NSLock()
    private var data: Data?
    private var error: (any Error)?

    func set(_ data: Data?, _ error: (any Error)?) { lock.withLock { self.data = data; self.error = error } }
    func get() -> (Data?, (any Error)?) { lock.withLock { (data, error) } }
}
