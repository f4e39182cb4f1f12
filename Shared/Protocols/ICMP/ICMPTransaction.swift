import Dissection

/// One ICMP message as a transaction side.
public struct ICMPMessage: Sendable, Hashable {
    public var type: UInt8
    public var code: UInt8
    public var time: Int64
    public var frame: UInt64
    public var direction: Direction

    public init(type: UInt8, code: UInt8, time: Int64, frame: UInt64, direction: Direction) {
        self.type = type
        self.code = code
        self.time = time
        self.frame = frame
        self.direction = direction
    }
}

/// A request and its reply (echo, timestamp, information, address mask,
/// neighbour solicitation/advertisement, router solicitation/advertisement),
/// or one message that stands alone (errors, unsolicited advertisements).
public struct ICMPTransaction: Sendable, Hashable {
    public var version: UInt8
    public var request: ICMPMessage?
    public var response: ICMPMessage?
    public var echoID: UInt16?
    public var echoSequence: UInt16?
    /// The 5-tuple of the packet an error quotes: the flow it reports on.
    public var quoted: QuotedTuple?
    /// Neighbour discovery: the target address of a solicitation or advertisement.
    public var target: IPAddress?
    /// Neighbour discovery: the link-layer address option (source or target), as aa:bb:….
    public var linkLayerAddress: String?

    public init(version: UInt8, request: ICMPMessage? = nil, response: ICMPMessage? = nil, echoID: UInt16? = nil,
                echoSequence: UInt16? = nil, quoted: QuotedTuple? = nil, target: IPAddress? = nil,
                linkLayerAddress: String? = nil) {
        self.version = version
        self.request = request
        self.response = response
        self.echoID = echoID
        self.echoSequence = echoSequence
        self.quoted = quoted
        self.target = target
        self.linkLayerAddress = linkLayerAddress
    }

    /// Reply time minus request time, ns; nil without both.
    public var roundTrip: Int64? {
        guard let request, let response else { return nil }
        return response.time - request.time
    }

    /// The transaction under Packetbeat's ICMP field names (NetSift's own
    /// for what Packetbeat does not have).
    public var fields: [(name: String, value: String)] {
        var out: [(String, String)] = [("icmp.version", "\(version)")]
        func add(_ side: String, _ message: ICMPMessage?) {
            guard let message else { return }
            out.append(("icmp.\(side).type", "\(message.type)"))
            out.append(("icmp.\(side).code", "\(message.code)"))
            var text = ICMPNames.type(message.type, version: version)
            if let code = ICMPNames.code(message.code, type: message.type, version: version) { text += " (\(code))" }
            out.append(("icmp.\(side).message", text))
        }
        add("request", request)
        add("response", response)
        if let roundTrip { out.append(("event.duration", "\(roundTrip)")) }
        if let echoID { out.append(("netsift.icmp.echo.id", "\(echoID)")) }
        if let echoSequence { out.append(("netsift.icmp.echo.sequence", "\(echoSequence)")) }
        if let quoted {
            out.append(("netsift.icmp.quoted.source.ip", "\(quoted.source)"))
            out.append(("netsift.icmp.quoted.destination.ip", "\(quoted.destination)"))
            out.append(("netsift.icmp.quoted.iana_number", "\(quoted.protocolNumber)"))
            if quoted.hasPorts {
                out.append(("netsift.icmp.quoted.source.port", "\(quoted.sourcePort)"))
                out.append(("netsift.icmp.quoted.destination.port", "\(quoted.destinationPort)"))
            }
        }
        if let target { out.append(("netsift.icmp.nd.target", "\(target)")) }
        if let linkLayerAddress { out.append(("netsift.icmp.nd.link_layer_address", linkLayerAddress)) }
        return out
    }
}
