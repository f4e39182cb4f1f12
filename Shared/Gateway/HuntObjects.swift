import Formats
import Wire

/// A hunt (NetSift's own object: AppPacCap has none): a saved query run
/// every `Interval` seconds (null: the search service's default) over
/// newly stored flows. `DTGLastRun` is 0 before the first run; `LastError`
/// says why the last run failed.
public struct HuntObject: Encodable, Sendable {
    public var Version = 1
    public var Id: UInt64
    public var Name: String
    public var Query: String
    public var Target: String
    public var Dataset: String?
    public var Interval: Int?
    public var Enabled: Bool
    public var DTGCreated: Int64
    public var DTGCreatedText: String
    public var DTGLastRun: Int64
    public var DTGLastRunText: String
    public var LastError: String?
    public var MatchedCount: UInt64

    public init(_ hunt: QueryMessage.Hunt) {
        Id = hunt.id
        Name = hunt.name
        Query = hunt.query
        Target = hunt.target.rawValue
        Dataset = hunt.dataset
        Interval = hunt.intervalSeconds
        Enabled = hunt.enabled
        DTGCreated = FileTime.from(nanoseconds: hunt.createdAt)
        DTGCreatedText = Timestamp.rfc3339(hunt.createdAt)
        DTGLastRun = hunt.lastRunAt.map(FileTime.from(nanoseconds:)) ?? 0
        DTGLastRunText = hunt.lastRunAt.map(Timestamp.rfc3339) ?? ""
        LastError = hunt.lastError
        MatchedCount = hunt.matched
    }
}

/// A page of a hunt's matches: FLOW items in the order they matched,
/// `LastId` the last ordinal (the next page's `after`), `Total` the
/// matches so far.
public struct HuntMatchesObject: Encodable, Sendable {
    public var Version = 1
    public var HuntId: UInt64
    public var Total: UInt64
    public var Returned: Int
    public var LastId: UInt64
    public var Query: String
    public var Items: [FlowObject]

    public init(_ matches: QueryMessage.HuntMatches) {
        HuntId = matches.hunt.id
        Total = matches.hunt.matched
        Items = matches.flows.map(FlowObject.init)
        Returned = Items.count
        LastId = matches.lastOrdinal
        Query = matches.hunt.query
    }
}
