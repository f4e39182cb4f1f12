/// `query.v1`: the gateway's questions to search (the read side) and the
/// answers, over DEALER → ROUTER. Like `control.v1`: one JSON payload (the
/// Codable form of `Body`), the header's producer the asker and its
/// sequence the request number, repeated in the reply. Item count = 1.
/// One exception: `exportFrames`, pages of thousands of positions, is
/// binary (`QueryMessage+ExportFrames.swift`).
///
/// Requests and replies are grouped by resource (`QueryMessage+Hunts.swift`
/// and its siblings); on the wire each is an object of one key, its kind
/// (`QueryMessage+Kinds.swift`), whatever its resource.
public struct QueryMessage: JSONWireMessage {
    public static let type = MessageType(validated: "query.v1")

    public enum Body: Hashable, Sendable {
        case request(Request)
        case reply(Reply)
    }

    public enum Request: Hashable, Sendable {
        case keys(Keys.Request)
        case installation(Installation.Request)
        case captures(Captures.Request)
        case packets(Packets.Request)
        case flows(Flows.Request)
        case events(Events.Request)
        case search(Search.Request)
        case searches(Searches.Request)
        case hunts(Hunts.Request)
    }

    /// A request's reply is of its resource, but for two: `failed`, and
    /// `Search.Reply.page` answering `Searches.Request.start` whose query cannot run.
    public enum Reply: Hashable, Sendable {
        case keys(Keys.Reply)
        case installation(Installation.Reply)
        case captures(Captures.Reply)
        case packets(Packets.Reply)
        case flows(Flows.Reply)
        case events(Events.Reply)
        case search(Search.Reply)
        case searches(Searches.Reply)
        case hunts(Hunts.Reply)
        case failed(message: String)
    }

    public var body: Body

    public init(_ body: Body) { self.body = body }

    public static func payloadLimit(_ limits: WireLimits) -> Int { limits.queryBytes }

    public func encodePayload() -> [UInt8] {
        if case .reply(.search(.exportFrames(let frames))) = body { return Self.exportFramesPayload(frames) }
        return Self.jsonPayload(body)
    }

    public init(payload: [UInt8], itemCount: UInt32, limits: WireLimits = .default) throws(WireError) {
        if payload.first == Self.exportFramesTag {
            try Self.checkFrame(payload, itemCount: itemCount, limits: limits)
            body = .reply(.search(.exportFrames(try Self.exportFrames(payload, limits: limits))))
            return
        }
        body = try Self.jsonBody(payload, itemCount: itemCount, limits: limits)
        // One encoding per value: export frames only ever travel binary.
        if case .reply(.search(.exportFrames)) = body { throw WireError(.invalidValue, "query.v1: exportFrames as JSON") }
    }
}
