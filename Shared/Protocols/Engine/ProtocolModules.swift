import Events

/// Every protocol module, in sniffing order: the strictest sniffers first
/// (DHCP's magic cookie before DNS's header checks). Adding a protocol adds
/// one line here (docs/PROTOCOLS.md, "Adding a protocol").
public enum ProtocolModules {
    public static let all: [ProtocolModule] = [
        HTTPModule.descriptor,
        TLSModule.descriptor,
        DHCPModule.descriptor,
        DNSModule.descriptor,
        ICMPModule.descriptor,
    ]

    public static func module(_ dataset: Dataset) -> ProtocolModule? { all.first { $0.dataset == dataset } }
}
