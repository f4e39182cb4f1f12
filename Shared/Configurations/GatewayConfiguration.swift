/// `netsift-gateway`: serves the REST API (/api/v1) over HTTP, asking
/// search and storage for what it answers.
public struct GatewayConfiguration: ServiceConfiguration {
    public static let service = "gateway"

    /// The deployment the gateway belongs to, in its health answer.
    public var deploymentID: String?
    public var host = "127.0.0.1"
    public var port = 8080
    /// Search's request endpoint.
    public var searchEndpoint = "tcp://127.0.0.1:47305"
    /// Storage's frame read endpoint.
    public var readsEndpoint = "tcp://127.0.0.1:47307"
    public var logLevel = LogLevel.info
    public var exportsDirectory = "exports"
    /// Free space an export leaves on its disk.
    public var exportsMinFreeMB = 1024
    /// Exports last written longer ago are removed; 0 keeps them.
    public var exportsMaxAgeHours = 168
    public var downloadsPerKey = 4
    public var downloadsTotal = 64
    public var headerTimeoutSeconds = 10
    public var idleTimeoutSeconds = 60

    public init() {}

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case deploymentID = "deployment_id", host, port, searchEndpoint = "search_endpoint"
        case readsEndpoint = "reads_endpoint", logLevel = "log_level", exportsDirectory = "exports_dir"
        case exportsMinFreeMB = "exports_min_free_mb", exportsMaxAgeHours = "exports_max_age_hours"
        case downloadsPerKey = "downloads_per_key", downloadsTotal = "downloads_total"
        case headerTimeoutSeconds = "header_timeout_seconds", idleTimeoutSeconds = "idle_timeout_seconds"
    }

    public static func help(_ key: CodingKeys) -> String {
        switch key {
        case .deploymentID: "the deployment this service belongs to, stamped on its health answers (`netsift up` sets it)"
        case .host: "the address the API listens on"
        case .port: "the API's HTTP port"
        case .searchEndpoint: "ZeroMQ: search's queries"
        case .readsEndpoint: "ZeroMQ: storage's frame reads (`read.v1`)"
        case .logLevel: "trace, debug, info, notice, warning (or warn), error, critical"
        case .exportsDirectory:
            "where `POST /api/v1/exports` writes (`netsift up`: `<data>/exports`); remove old exports with "
                + "`DELETE /api/v1/exports/{name}`"
        case .exportsMinFreeMB:
            "an export does not start with less free on that file system, and stops, its partial file removed, "
                + "before leaving less — the pcap store often shares the disk"
        case .exportsMaxAgeHours:
            "exports, and partial files a crash left, last written longer ago are removed, checked every minute, "
                + "so a directory nobody cleans does not fill its disk; 0 keeps them"
        case .downloadsPerKey:
            "capture file downloads one API key may have under way, so one key cannot take every slot; past it 429"
        case .downloadsTotal:
            "downloads under way in all, ~1 MiB of gateway memory each and storage's read load; past it 503"
        case .headerTimeoutSeconds:
            "a connection that has not sent its first request head by then is closed — half a header otherwise "
                + "holds a connection for ever"
        case .idleTimeoutSeconds: "a connection without a request that long is closed"
        }
    }
}
