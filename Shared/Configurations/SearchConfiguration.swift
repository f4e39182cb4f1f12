/// `netsift-search`: the read side, answering the gateway's queries from PostgreSQL.
public struct SearchConfiguration: ServiceConfiguration {
    public static let service = "search"

    public var deploymentID: String?
    /// libpq conninfo; search does not start without it.
    public var databaseURL: String?
    /// Storage's `pcap_root`: search reads the packet index beside the segments.
    public var pcapRoot = "./netsift-data/pcap"
    public var endpoint = "tcp://127.0.0.1:47305"
    public var workers = 2
    public var metricsPort = 47_306
    public var logLevel = LogLevel.info
    public var searchRunners = 1
    public var searchTimeoutSeconds = 300
    public var huntIntervalSeconds = 60
    public var searchesPerKey = 4
    public var searchMaxResults = 1_000_000
    /// 0 keeps finished searches until they are deleted.
    public var searchTTLHours = 24

    public init() {}

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case deploymentID = "deployment_id", databaseURL = "database_url", pcapRoot = "pcap_root", endpoint, workers
        case metricsPort = "metrics_port", logLevel = "log_level", searchRunners = "search_runners"
        case searchTimeoutSeconds = "search_timeout_seconds", huntIntervalSeconds = "hunt_interval_seconds"
        case searchesPerKey = "searches_per_key", searchMaxResults = "search_max_results"
        case searchTTLHours = "search_ttl_hours"
    }

    public static func help(_ key: CodingKeys) -> String {
        switch key {
        case .deploymentID: "the deployment this service belongs to, stamped on its health answers (`netsift up` sets it)"
        case .databaseURL: "the PostgreSQL conninfo (libpq); required"
        case .pcapRoot: "storage's pcap store directory, whose packet index answers packets searches (read only)"
        case .endpoint: "ZeroMQ: the gateway's queries"
        case .workers: "threads answering queries"
        case .metricsPort: "`/metrics` and `/health` on 127.0.0.1"
        case .logLevel: "trace, debug, info, notice, warning (or warn), error, critical"
        case .searchRunners: "threads running background searches; 0 leaves them queued"
        case .searchTimeoutSeconds:
            "a background search's or a scheduled hunt run's statement; a waited search's statements "
                + "(and a hunt run asked for through the API) time out after 30 s"
        case .huntIntervalSeconds: "how often a hunt without an interval of its own runs"
        case .searchesPerKey:
            "background searches one API key may have queued or running, so one key cannot queue hours of work "
                + "ahead of everyone; past it `POST /searches` is 429"
        case .searchMaxResults:
            "rows one background search keeps, ~100 MB of `search_results`; past it the first ones are kept and "
                + "`Error` says so"
        case .searchTTLHours:
            "finished searches and their rows are deleted this long after they finished, checked every minute; "
                + "0 keeps them until `DELETE`"
        }
    }
}
