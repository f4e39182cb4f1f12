/// `netsift-sensor`: captures from an interface, or reads capture files,
/// and sends frames to the decoders.
public struct SensorConfiguration: ServiceConfiguration {
    public static let service = "sensor"

    public var deploymentID: String?
    /// One lane each.
    public var decoders = ["tcp://127.0.0.1:47310"]
    public var controlEndpoint = "tcp://127.0.0.1:47301"
    public var acksEndpoint = "tcp://127.0.0.1:47302"
    public var identityFile = "./netsift-data/sensor.json"
    /// The name a new identity file gets; nil is this host's name.
    public var sensorName: String?
    public var metricsPort = 47_304
    public var logLevel = LogLevel.info
    /// Capture live from this interface (before `pcap`).
    public var interface: String?
    /// Read this capture file, or the capture files of this directory.
    public var pcap: String?
    public var bpf: String?
    public var snaplen = 262_144
    public var promiscuous = true
    public var bufferMB = 32
    public var immediate = true
    /// Stop a live capture after this many frames; 0 never.
    public var count = 0

    public init() {}

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case deploymentID = "deployment_id", decoders, controlEndpoint = "control_endpoint"
        case acksEndpoint = "acks_endpoint", identityFile = "identity_file", sensorName = "sensor_name"
        case metricsPort = "metrics_port", logLevel = "log_level", interface, pcap, bpf, snaplen, promiscuous
        case bufferMB = "buffer_mb", immediate, count
    }

    public static func help(_ key: CodingKeys) -> String {
        switch key {
        case .deploymentID: "the deployment this service belongs to, stamped on its health answers (`netsift up` sets it)"
        case .decoders: "ZeroMQ: the decoders' frame endpoints, comma-separated, one lane each"
        case .controlEndpoint: "ZeroMQ: storage's control endpoint"
        case .acksEndpoint: "ZeroMQ: storage's acknowledgements"
        case .identityFile: "the sensor's UUID and name, made on first start"
        case .sensorName: "the name a new identity file gets (this host's name when unset)"
        case .metricsPort: "`/metrics` and `/health` on 127.0.0.1"
        case .logLevel: "trace, debug, info, notice, warning (or warn), error, critical"
        case .interface: "capture live from this interface (`--interface`)"
        case .pcap: "send this capture file, or the capture files of this directory, when no interface is set (`--pcap`)"
        case .bpf: "a BPF filter for live capture (`--bpf`)"
        case .snaplen: "bytes kept of each frame"
        case .promiscuous: "capture every frame on the segment"
        case .bufferMB: "the kernel's capture ring, in MiB"
        case .immediate: "deliver each frame at once instead of in batches"
        case .count: "stop a live capture after this many frames; 0 never (`--count`)"
        }
    }
}
