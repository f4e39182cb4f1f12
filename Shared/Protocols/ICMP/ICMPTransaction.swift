import Events
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
    public var fields: [ProtocolField] {
        var out = [ProtocolField("icmp.version", .unsigned(version))]
        func add(_ side: String, _ message: ICMPMessage?) {
            guard let message else { return }
            out.append(ProtocolField("icmp.\(side).type", .unsigned(message.type)))
            out.append(ProtocolField("icmp.\(side).code", .unsigned(message.code)))
            var text = ICMPNames.type(message.type, version: version)
            if let code = ICMPNames.code(message.code, type: message.type, version: version) { text += " (\(code))" }
            out.append(ProtocolField("icmp.\(side).message", .string(text)))
        }
        add("request", request)
        add("response", response)
        if let start = request?.time ?? response?.time { out.append(ProtocolField("event.start", .time(start))) }
        if let roundTrip { out.append(ProtocolField("event.duration", .integer(roundTrip))) }
        if let echoID { out.append(ProtocolField("netsift.icmp.echo.id", .unsigned(echoID))) }
        if let echoSequence { out.append(ProtocolField("netsift.icmp.echo.sequence", .unsigned(echoSequence))) }
        if let quoted {
            out.append(ProtocolField("netsift.icmp.quoted.source.ip", .string("\(quoted.source)")))
            out.append(ProtocolField("netsift.icmp.quoted.destination.ip", .string("\(quoted.destination)")))
            out.append(ProtocolField("netsift.icmp.quoted.iana_number", .unsigned(quoted.protocolNumber)))
            if quoted.hasPorts {
                out.append(ProtocolField("netsift.icmp.quoted.source.port", .unsigned(quoted.sourcePort)))
                out.append(ProtocolField("netsift.icmp.quoted.destination.port", .unsigned(quoted.destinationPort)))
            }
        }
        if let target { out.append(ProtocolField("netsift.icmp.nd.target", .string("\(target)"))) }
        if let linkLayerAddress { out.append(ProtocolField("netsift.icmp.nd.link_layer_address", .string(linkLayerAddress))) }
        return out
    }
}

extension ICMPTransaction {
    /// Every name `fields` can write, in its order: under `keep_null`, those
    /// a transaction has no value for are written as null.
    public static let fieldNames = [
        "icmp.version", "icmp.request.type", "icmp.request.code", "icmp.request.message", "icmp.response.type",
        "icmp.response.code", "icmp.response.message", "event.start", "event.duration", "netsift.icmp.echo.id",
        "netsift.icmp.echo.sequence", "netsift.icmp.quoted.source.ip", "netsift.icmp.quoted.destination.ip",
        "netsift.icmp.quoted.iana_number", "netsift.icmp.quoted.source.port", "netsift.icmp.quoted.destination.port",
        "netsift.icmp.nd.target", "netsift.icmp.nd.link_layer_address",
    ]

    /// The text of one side for `request` / `response` under `send_request` /
    /// `send_response` (Packetbeat accepts both options for ICMP but writes
    /// neither field): the message as `icmp.*.message` names it, then what
    /// identifies it: `Echo Request id 7 seq 1`, `Destination Unreachable
    /// (Port Unreachable) quoting 10.0.0.1:40000 > 10.0.0.2:53 proto 17`.
    public func text(of message: ICMPMessage) -> String {
        var text = ICMPNames.type(message.type, version: version)
        if let code = ICMPNames.code(message.code, type: message.type, version: version) { text += " (\(code))" }
        if let echoID, let echoSequence { text += " id \(echoID) seq \(echoSequence)" }
        if let quoted {
            let ports = quoted.hasPorts
            text += " quoting \(quoted.source)" + (ports ? ":\(quoted.sourcePort)" : "") + " > \(quoted.destination)"
                + (ports ? ":\(quoted.destinationPort)" : "") + " proto \(quoted.protocolNumber)"
        }
        if let target { text += " target \(target)" }
        if let linkLayerAddress { text += " lladdr \(linkLayerAddress)" }
        return text
    }
}
