import CaptureDecoding
import Configurations
import Decoder
import Flows
import Protocols

extension DecoderServer.Configuration {
    init(_ configuration: DecoderConfiguration) throws(ProtocolOptionError) {
        self.init(framesEndpoint: configuration.framesEndpoint, recordsEndpoint: configuration.recordsEndpoint,
                  acksEndpoint: configuration.acksEndpoint, eventsEndpoint: configuration.eventsEndpoint)
        limits = .init(packets: configuration.batchPackets)
        maxUnacked = configuration.maxUnackedBatches
        decoder.flows.timeout = Int64(configuration.flowTimeoutSeconds) * FlowConfig.second
        decoder.flows.period = configuration.flowPeriodSeconds < 0
            ? nil : Int64(configuration.flowPeriodSeconds) * FlowConfig.second
        decoder.flows.maxFlows = configuration.maxFlows
        decoder.application = configuration.l7 ? try ApplicationConfig(configuration) : nil
    }
}

extension ApplicationConfig {
    /// The decoder's `<protocol>_<option>` settings: Packetbeat's options of every protocol.
    static let settingKeys = Set(ProtocolModules.all.flatMap { module in
        ProtocolOptionSetting.keys.map { "\(module.dataset.name)_\($0)" }
    })

    /// `l7_sniffing` and the per-protocol options given (`http_ports: "80,8080"`,
    /// `dns_send_request: true`, `tls_enabled: false`, `dns_transaction_timeout: "2s"`).
    init(_ configuration: DecoderConfiguration) throws(ProtocolOptionError) {
        self.init()
        sniffing = configuration.l7Sniffing
        for proto in ProtocolModules.all.map(\.dataset.name) {
            for option in ProtocolOptionSetting.keys {
                let key = "\(proto)_\(option)"
                guard let value = configuration.extraSettings[key] else { continue }
                do throws(ProtocolOptionSetting.Invalid) {
                    try ProtocolOptionSetting("\(proto).\(option)=\(value)").apply(to: &self)
                } catch {
                    throw ProtocolOptionError(key: key, reason: error.description)
                }
            }
        }
    }
}

/// A per-protocol option of the decoder's settings that does not parse.
struct ProtocolOptionError: Error, CustomStringConvertible {
    let key: String
    let reason: String

    var description: String { "setting \(key): \(reason)" }
}
