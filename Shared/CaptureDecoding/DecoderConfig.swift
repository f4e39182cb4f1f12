import Dissection
import Flows
import Protocols

public struct DecoderConfig: Sendable {
    public var dissector = Dissector.Limits()
    public var fragments = FragmentReassembler.Limits()
    public var flows = FlowConfig()
    /// The application layer's configuration; nil turns it off.
    public var application: ApplicationConfig? = ApplicationConfig()
    public init() {}
}
