/// `netsift-decoder`: decodes sensor frames into packet rows, flow reports
/// and application events for storage.
public struct DecoderConfiguration: ExtensibleConfiguration {
    public static let service = "decoder"

    public var deploymentID: String?
    public var framesEndpoint = "tcp://127.0.0.1:47310"
    public var recordsEndpoint = "tcp://127.0.0.1:47300"
    public var acksEndpoint = "tcp://127.0.0.1:47302"
    /// Where events are published for live consumers; nil publishes none.
    public var eventsEndpoint: String?
    public var metricsPort = 47_312
    public var logLevel = LogLevel.info
    public var batchPackets = 4_096
    public var flowTimeoutSeconds = 30
    /// -1 turns periodic flow reports off.
    public var flowPeriodSeconds = 10
    public var maxFlows = 262_144
    public var maxUnackedBatches = 32
    /// The application layer.
    public var l7 = true
    public var l7Sniffing = true
    /// Packetbeat's per-protocol options as given, `dns_send_request` → `true`.
    public var extraSettings: [String: String] = [:]

    public init() {}

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case deploymentID = "deployment_id", framesEndpoint = "frames_endpoint", recordsEndpoint = "records_endpoint"
        case acksEndpoint = "acks_endpoint", eventsEndpoint = "events_endpoint", metricsPort = "metrics_port"
        case logLevel = "log_level", batchPackets = "batch_packets", flowTimeoutSeconds = "flow_timeout_seconds"
        case flowPeriodSeconds = "flow_period_seconds", maxFlows = "max_flows"
        case maxUnackedBatches = "max_unacked_batches", l7, l7Sniffing = "l7_sniffing"
    }

    public static func help(_ key: CodingKeys) -> String {
        switch key {
        case .deploymentID: "the deployment this service belongs to, stamped on its health answers (`netsift up` sets it)"
        case .framesEndpoint: "ZeroMQ: the sensors' frames (its lane)"
        case .recordsEndpoint: "ZeroMQ: storage's records endpoint"
        case .acksEndpoint: "ZeroMQ: storage's acknowledgements"
        case .eventsEndpoint: "ZeroMQ: where records are published for live consumers; unset publishes none"
        case .metricsPort: "`/metrics` and `/health` on 127.0.0.1"
        case .logLevel: "trace, debug, info, notice, warning (or warn), error, critical"
        case .batchPackets: "packets per batch sent to storage"
        case .flowTimeoutSeconds: "a flow with no packet for this long ends"
        case .flowPeriodSeconds: "every active flow is reported this often; -1 off"
        case .maxFlows: "flows held at once; past it the least recently seen are reported and evicted"
        case .maxUnackedBatches: "batches awaiting storage's acknowledgement before input pauses"
        case .l7: "the application layer on"
        case .l7Sniffing: "flows on no configured port are classified by their first payload"
        }
    }

    public static let extraSettingsHelp = (
        pattern: "`<protocol>_<option>`",
        help: "Packetbeat's options per application protocol: `_enabled` (true), `_ports` (comma-separated; "
            + "Packetbeat's defaults), `_send_request`, `_send_response` (false), `_transaction_timeout` (10s), "
            + "`_tags` (comma-separated), `_keep_null` (false), e.g. `http_ports: \"80,8080\"`, "
            + "`dns_send_request: true`")
}
