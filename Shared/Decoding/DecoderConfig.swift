import Dissection
import Flows

public struct DecoderConfig: Sendable {
    public var dissector = Dissector.Limits()
    public var fragments = FragmentReassembler.Limits()
    public var flows = FlowConfig()
    public init() {}
}
