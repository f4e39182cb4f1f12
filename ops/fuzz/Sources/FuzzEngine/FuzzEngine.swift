import Capture
import CaptureDecoding
import Dissection
import Flows
import FuzzSupport
import Protocols

@_cdecl("FuzzEngine_main")
public func fuzzEngineMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    fuzzMain(argc, argv, fuzzEngine)
}

/// Ethernet frames (FuzzInput frames) through the whole decoding path as
/// `netsift dump` runs it: dissector, fragment reassembly, flow table,
/// TCP reassembly and every application module, with every protocol
/// option on, short timeouts and small bounds so eviction and expiry run.
func fuzzEngine(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(fuzzBytes(data, size))
    var decoder = CaptureDecoder(config: FuzzEngineSetup.decoder, captureID: 1)
    var sink = EngineSink(layer: ApplicationLayer(config: FuzzEngineSetup.application))
    var time: Int64 = 1_700_000_000_000_000_000
    var number: UInt64 = 0
    while let (step, bytes) = input.nextFrame() {
        time += step
        number += 1
        decoder.decode(Frame(number: number, timestamp: time, wireLength: bytes.count, linkType: .ethernet, bytes: bytes),
                       into: &sink)
        precondition(sink.layer.bufferedBytes <= FuzzEngineSetup.application.limits.maxBufferedBytes, "over the byte budget")
        precondition(sink.layer.flowCount <= FuzzEngineSetup.application.limits.maxFlows, "over the flow bound")
    }
    decoder.finish(into: &sink)
    sink.take(sink.layer.finishAll())
    precondition(sink.layer.flowCount == 0 && sink.layer.bufferedBytes == 0, "state left after finishAll")
    return 0
}

enum FuzzEngineSetup {
    static let decoder: DecoderConfig = {
        var config = DecoderConfig()
        config.flows.maxFlows = 32
        config.flows.timeout = 5 * FlowConfig.second
        config.flows.period = 2 * FlowConfig.second
        return config
    }()

    static let application: ApplicationConfig = {
        var config = ApplicationConfig()
        for proto in ApplicationProtocol.allCases {
            config[proto].sendRequest = true
            config[proto].sendResponse = true
            config[proto].transactionTimeout = 1 * FlowConfig.second
            config[proto].tags = ["fuzz"]
            config[proto].keepNull = true
            config[proto].maxMessageText = 256
        }
        config.limits.maxFlows = 16
        config.limits.maxBufferedBytes = 16 << 10
        config.limits.reassembly.maxBufferedBytes = 8 << 10
        return config
    }()
}

/// Hands each packet with a flow to the application layer, as dump's sink does.
struct EngineSink: DecodeSink {
    var layer: ApplicationLayer
    var reassembled: [UInt8]?

    mutating func reassembledPayload(_ payload: UnsafeRawBufferPointer) { reassembled = Array(payload) }

    mutating func packet(_ frame: Frame, _ packet: DecodedPacket, flow: FlowTable.Ref?,
                         reassembled pieces: [FragmentReassembler.Piece]?) {
        let datagram = pieces != nil ? reassembled : nil
        reassembled = nil
        guard let flow, packet.fragment == nil || datagram != nil else { return }
        if let datagram {
            let done = datagram.withUnsafeBytes { payload in
                layer.receive(frame: frame.number, time: frame.timestamp, packet: packet, bytes: frame.bytes, flow: flow.id,
                              communityID: flow.communityID, fromInitiator: flow.fromInitiator, transportPayload: payload)
            }
            take(done)
        } else {
            take(layer.receive(frame: frame.number, time: frame.timestamp, packet: packet, bytes: frame.bytes, flow: flow.id,
                               communityID: flow.communityID, fromInitiator: flow.fromInitiator))
        }
    }

    mutating func flow(_ report: FlowReport) {
        if report.final { take(layer.finish(flow: report.id)) }
    }

    func take(_ transactions: [ApplicationTransaction]) {
        for t in transactions { _ = render(t.fields) }
    }
}
