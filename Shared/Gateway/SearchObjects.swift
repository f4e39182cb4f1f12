import Messaging

/// AppPacCap SEARCHLIST for a packet search: PACKETs by capture id. Searches
/// run while the request waits, so `SearchId` is 0, `Status` 1 (done) and
/// `Total` -1 (not counted); `LastCaptureId` and `LastId` are the cursor
/// (`after_capture`, `after`) of the next page.
public struct SearchListObject: Encodable, Sendable {
    public var Version = 1
    public var SearchId = 0
    public var Returned: Int
    public var LastId: UInt64
    public var LastCaptureId: UInt64
    public var Total = -1
    public var Status = 1
    public var Query: String
    public var Results: [String: [PacketObject]]

    public init(page: QueryMessage.SearchPage, packets: [(capture: UInt64, packet: PacketObject)]) {
        Returned = packets.count
        LastId = page.lastID
        LastCaptureId = page.lastCapture
        Query = page.processed
        var results: [String: [PacketObject]] = [:]
        for (capture, packet) in packets { results[String(capture), default: []].append(packet) }
        Results = results
    }
}

/// A flow search's page: FLOW items, `LastId` the next page's `after`.
public struct FlowSearchObject: Encodable, Sendable {
    public var Version = 1
    public var Returned: Int
    public var LastId: UInt64
    public var Query: String
    public var Items: [FlowObject]

    public init(page: QueryMessage.SearchPage) {
        Items = page.flows.map(FlowObject.init)
        Returned = Items.count
        LastId = page.lastID
        Query = page.processed
    }
}

/// AppPacCap SEARCHSYNTAX: `ErrorCode` 0 and the processed `Filter`, or 4
/// and an empty filter, plus where and why (`Position`, `Message`, `Hint`).
public struct SearchSyntaxObject: Encodable, Sendable {
    public var Version = 1
    public var ErrorCode: Int
    public var Filter: String
    public var Position: Int?
    public var Message: String?
    public var Hint: String?

    public init(page: QueryMessage.SearchPage) {
        ErrorCode = page.problem == nil ? 0 : 4
        Filter = page.problem == nil ? page.processed : ""
        Position = page.problem?.position
        Message = page.problem?.message
        Hint = page.problem?.hint
    }
}
