/// Bounds the DNS parser and session keep, each with its reason.
public struct DNSLimits: Sendable, Hashable {
    /// Longest name text kept; longer names are cut there and flagged
    /// (Suricata's MAX_NAME_LEN: what dnsmasq uses).
    public var maxNameLength = 1025
    /// Compression pointers followed for one name. A 255-octet name has at
    /// most 127 labels, so more jumps than that only happen in a loop.
    public var maxPointerJumps = 128
    /// Questions kept per message; real messages carry one.
    public var maxQuestions = 16
    /// Records kept per message over all sections; a zone transfer message
    /// may hold thousands, the rest are counted in `droppedRecords`.
    public var maxRecords = 512

    public init() {}
}
