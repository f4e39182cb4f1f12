/// `netsift-storage`: the only writer of the traffic tables and the pcap store.
public struct StorageConfiguration: ServiceConfiguration {
    public static let service = "storage"

    public var deploymentID: String?
    /// libpq conninfo; storage does not start without it.
    public var databaseURL: String?
    public var pcapRoot = "./netsift-data/pcap"
    public var recordsEndpoint = "tcp://127.0.0.1:47300"
    public var controlEndpoint = "tcp://127.0.0.1:47301"
    public var acksEndpoint = "tcp://127.0.0.1:47302"
    public var readsEndpoint = "tcp://127.0.0.1:47307"
    public var readWorkers = 2
    public var metricsPort = 47_303
    public var logLevel = LogLevel.info
    public var commitWorkers = 2
    /// 0 never abandons a capture.
    public var abandonAfterSeconds = 600

    public init() {}

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case deploymentID = "deployment_id", databaseURL = "database_url", pcapRoot = "pcap_root"
        case recordsEndpoint = "records_endpoint", controlEndpoint = "control_endpoint", acksEndpoint = "acks_endpoint"
        case readsEndpoint = "reads_endpoint", readWorkers = "read_workers", metricsPort = "metrics_port"
        case logLevel = "log_level", commitWorkers = "commit_workers", abandonAfterSeconds = "abandon_after_seconds"
    }

    public static func help(_ key: CodingKeys) -> String {
        switch key {
        case .deploymentID: "the deployment this service belongs to, stamped on its health answers (`netsift up` sets it)"
        case .databaseURL: "the PostgreSQL conninfo (libpq); required"
        case .pcapRoot: "the pcap store's directory"
        case .recordsEndpoint: "ZeroMQ: where decoders send `records.v1`"
        case .controlEndpoint: "ZeroMQ: sensors' control requests (start, end and statistics of a capture)"
        case .acksEndpoint: "ZeroMQ: acknowledgements published to decoders and sensors"
        case .readsEndpoint: "ZeroMQ: frames by pcap store position (`read.v1`), for the gateway"
        case .readWorkers: "threads answering frame reads"
        case .metricsPort: "`/metrics` and `/health` on 127.0.0.1"
        case .logLevel: "trace, debug, info, notice, warning (or warn), error, critical"
        case .commitWorkers: "transactions on their own threads and connections"
        case .abandonAfterSeconds:
            "a running capture with no batch, statistics or end from its producer for this long is `abandoned` "
                + "(its producer is gone); 0 never"
        }
    }
}
