import Capture
import Configurations

extension SensorJob.Source {
    /// An interface before a pcap path; neither reads nothing.
    public init(_ configuration: SensorConfiguration) {
        if let interface = configuration.interface {
            var capture = LiveCaptureOptions()
            capture.filter = configuration.bpf
            capture.snapLength = configuration.snaplen
            capture.promiscuous = configuration.promiscuous
            capture.bufferBytes = configuration.bufferMB << 20
            capture.immediate = configuration.immediate
            self = .interface(interface, capture: capture,
                              frameLimit: configuration.count > 0 ? UInt64(configuration.count) : nil)
        } else if let pcap = configuration.pcap {
            self = .files(pcap)
        } else {
            self = .nothing
        }
    }
}

extension SensorLink.Endpoints {
    public init(_ configuration: SensorConfiguration) {
        self.init(decoders: configuration.decoders, storageControl: configuration.controlEndpoint,
                  storageAcks: configuration.acksEndpoint)
    }
}
