import Wire

/// AppPacCap SEARCHLIST for a packet search: PACKETs by capture id. A
/// search run while the request waits has `SearchId` 0, `Status` 1 (done)
/// and `Total` -1 (not counted), and `LastCaptureId` and `LastId` are the
/// cursor (`after_capture`, `after`) of the next page; a background
/// search's page has its id, status and total, and `LastId` is the last
/// result's ordinal.
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

    public init(page: QueryMessage.SearchPage, packets: [(capture: UInt64, packet: PacketObject)],
                search: QueryMessage.SearchMeta? = nil) {
        if let search {
            SearchId = Int(clamping: search.id)
            Total = Int(clamping: search.found)
            Status = SearchMetaObject.code(search.status)
        }
        Returned = packets.count
        LastId = page.lastID
        LastCaptureId = page.lastCapture
        Query = page.processed
        var results: [String: [PacketObject]] = [:]
        for (capture, packet) in packets { results[String(capture), default: []].append(packet) }
        Results = results
    }
}

/// A flow search's page: FLOW items, `LastId` the next page's `after`;
/// `SearchId`, `Total` and `Status` as in SEARCHLIST.
public struct FlowSearchObject: Encodable, Sendable {
    public var Version = 1
    public var SearchId = 0
    public var Total = -1
    public var Status = 1
    public var Returned: Int
    public var LastId: UInt64
    public var Query: String
    public var Items: [FlowObject]

    public init(page: QueryMessage.SearchPage, search: QueryMessage.SearchMeta? = nil) {
        if let search {
            SearchId = Int(clamping: search.id)
            Total = Int(clamping: search.found)
            Status = SearchMetaObject.code(search.status)
        }
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

/// AppPacCap SEARCHMETA: a background search. `Status` 0 queued, 1 complete,
/// 2 running, 3 failed, 4 cancelled (1 is also what a search run while the
/// request waits reports); `ErrorCode` 1 when it failed, with `Error` saying
/// why. `Target` and `Dataset` say what its results are.
public struct SearchMetaObject: Encodable, Sendable {
    public var Version = 1
    public var Id: UInt64
    public var Query: String
    public var FoundCount: UInt64
    public var Status: Int
    public var ErrorCode: Int
    public var Error: String?
    public var Target: String
    public var Dataset: String?

    public init(_ meta: QueryMessage.SearchMeta) {
        Id = meta.id
        Query = meta.query
        FoundCount = meta.found
        Status = Self.code(meta.status)
        ErrorCode = meta.status == .failed ? 1 : 0
        Error = meta.error
        Target = meta.target.rawValue
        Dataset = meta.dataset
    }

    static func code(_ status: QueryMessage.SearchMeta.Status) -> Int {
        switch status {
        case .queued: 0
        case .complete: 1
        case .running: 2
        case .failed: 3
        case .cancelled: 4
        }
    }
}

/// AppPacCap EXPORTFILE: a search's capture file on the gateway's disk.
/// `FileName` is its full path there, `RelativePath` its name in the exports
/// directory (what `GET /api/v1/exports/{name}` takes); `Bytes` its size,
/// and `Packets` the frames written (when it was just written).
public struct ExportFileObject: Encodable, Sendable {
    public var Version = 1
    public var FileName: String
    public var RelativePath: String
    public var Bytes: Int64
    public var Packets: UInt64?

    init(_ file: ExportDirectory.File, in directory: ExportDirectory, packets: UInt64? = nil) {
        FileName = directory.path(for: file.name)
        RelativePath = file.name
        Bytes = file.bytes
        Packets = packets
    }
}
