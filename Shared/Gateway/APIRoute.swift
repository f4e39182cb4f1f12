import Auth
import Events
import Formats

/// One route of the native API, as docs/API.md and the OpenAPI document
/// describe it, with the roles that may call it.
public struct APIRoute: Sendable {
    /// Who may call a route (docs/API.md, "Roles").
    public enum Access: Sendable, Equatable {
        /// No key needed.
        case everyone
        /// Any live key, whatever its role.
        case anyKey
        /// Reads: viewers, analysts, admins.
        case readers
        /// What starts work or changes state (searches, hunts, exports): analysts and admins.
        case analysts
        /// Admins only.
        case admins

        public var roles: Set<APIRole> {
            switch self {
            case .everyone, .anyKey: Set(APIRole.allCases)
            case .readers: [.admin, .analyst, .viewer]
            case .analysts: [.admin, .analyst]
            case .admins: [.admin]
            }
        }
    }

    /// What a successful request returns.
    public enum Answer: Sendable {
        /// The RESPONSE envelope around one object (a schema name).
        case object(String)
        /// The RESPONSE envelope around a list of objects.
        case list(String)
        /// A capture file (pcap or pcapng).
        case captureFile
        /// Plain JSON without the envelope.
        case plain
    }

    public struct Parameter: Sendable {
        public enum Kind: Sendable {
            /// An id or frame number: a non-negative integer.
            case cursor
            /// A page size: a positive integer.
            case limit
            case uuid
            case communityID
            /// A query of the language (docs/QUERY.md); required.
            case query
            /// Any text to check as a query (it need not be one); required.
            case queryText
            case searchTarget
            /// An application protocol: one of `Dataset.all`.
            case dataset
            /// A duration back from now: 90s, 15m, 1h, 7d, 2w.
            case duration
            /// A hunt's interval: a duration of at most 30 days.
            case huntInterval
            /// An RFC 3339 time.
            case instant
            /// A name of 1–128 characters.
            case name
            /// true or false.
            case flag
        }

        public var name: String
        public var kind: Kind
        public var summary: String
    }

    public var method: String
    public var path: String
    public var access: Access
    public var summary: String
    public var query: [Parameter]
    public var answer: Answer

    public var authenticated: Bool { access != .everyone }

    /// Objects that carry captured frames (`HexBytes`): reading them is
    /// audited like a capture file.
    static let packetBytesObjects: Set = ["PacketStream", "SearchList"]

    /// Whether a call is logged as an audit line: every change, and every
    /// read of packet bytes or of a capture file (not a HEAD: no bytes).
    public var isAudited: Bool {
        guard method == "GET" else { return method != "HEAD" }
        switch answer {
        case .captureFile: return true
        case .object(let name), .list(let name): return Self.packetBytesObjects.contains(name)
        case .plain: return false
        }
    }

    init(_ path: String, _ summary: String, query: [Parameter] = [], answer: Answer, access: Access) {
        self.init(method: "GET", path, summary, query: query, answer: answer, access: access)
    }

    init(method: String, _ path: String, _ summary: String, query: [Parameter] = [], answer: Answer, access: Access) {
        self.method = method
        self.path = path
        self.access = access
        self.summary = summary
        self.query = query
        self.answer = answer
    }

    static let after = Parameter(name: "after", kind: .cursor, summary: "continue after this id (the previous LastId; default 0)")
    static let limit = Parameter(name: "limit", kind: .limit, summary: "items per page, 1–1000 (larger is clamped; default 100)")
    /// What a search takes besides its page: the query, what it returns, and the window.
    static let searchQuery: [Parameter] = [
        .init(name: "q", kind: .query, summary: "the query, e.g. tcp && port == 443"),
        .init(name: "as", kind: .searchTarget, summary: "packets (default), flows or events"),
        .init(name: "dataset", kind: .dataset, summary: "events: the protocol (required with as=events)"),
        .init(name: "last", kind: .duration, summary: "only the last 90s, 15m, 1h, 7d, 2w (not with start)"),
        .init(name: "start", kind: .instant, summary: "from this RFC 3339 time on (inclusive)"),
        .init(name: "end", kind: .instant, summary: "before this RFC 3339 time (exclusive)"),
    ]
    static let interval = Parameter(name: "interval", kind: .huntInterval,
                                    summary: "time between runs: 90s, 15m, 1h, 1d (default: the search service's hunt_interval_seconds)")
    static let dataset = Parameter(name: "dataset", kind: .dataset, summary: "one protocol's events: \(Dataset.names) (default all)")
}

extension GatewayRouter {
    /// Every route, for docs/API.md, the OpenAPI document, the authentication
    /// test and the roles each admits (`RouteAccess`): a route registered
    /// without an entry here admits no key.
    public static let routes: [APIRoute] = [
        APIRoute("/api/v1/health", "Liveness of the gateway (no key needed).", answer: .plain, access: .everyone),
        APIRoute("/api/v1/openapi.json", "This OpenAPI 3.1 document.", answer: .plain, access: .readers),
        APIRoute("/api/v1/info", "APPPACCAP: what this installation is.", answer: .object("AppPacCap"), access: .anyKey),
        APIRoute("/api/v1/stats", "STATSQUERY: installation-wide counts.", answer: .object("StatsQuery"), access: .readers),
        APIRoute("/api/v1/sensors", "The sensors storage has registered.", answer: .list("Sensor"), access: .readers),
        APIRoute("/api/v1/adapters", "NETADAPTER as the sensors report them.",
                 query: [.init(name: "sensor", kind: .uuid, summary: "one sensor's adapters (its UUID)")],
                 answer: .list("NetAdapter"), access: .readers),
        APIRoute("/api/v1/captures", "Captures by ascending id.", query: [APIRoute.after, APIRoute.limit],
                 answer: .list("Capture"), access: .readers),
        APIRoute("/api/v1/captures/{id}", "One CAPTURE.", answer: .object("Capture"), access: .readers),
        APIRoute("/api/v1/captures/{id}/meta", "CAPTUREMETA: a capture's times, totals and polling bounds.",
                 answer: .object("CaptureMeta"), access: .readers),
        APIRoute("/api/v1/captures/{id}/stats", "STATSCAPTUREQUERY: a capture's counts by protocol.",
                 answer: .object("StatsCaptureQuery"), access: .readers),
        APIRoute("/api/v1/captures/{id}/packets",
                 "PACKETSTREAM: frames above `after` in frame order, never past a frame not yet stored.",
                 query: [.init(name: "after", kind: .cursor, summary: "the previous LastPacketId (default 0)"), APIRoute.limit],
                 answer: .object("PacketStream"), access: .readers),
        APIRoute("/api/v1/captures/{id}/flows", "A capture's flows by ascending id.", query: [APIRoute.after, APIRoute.limit],
                 answer: .list("Flow"), access: .readers),
        APIRoute("/api/v1/captures/{id}/events",
                 "A capture's application-layer events (ECS documents, `netsift.event` = id) by ascending id.",
                 query: [APIRoute.dataset, APIRoute.after, APIRoute.limit], answer: .list("Event"), access: .readers),
        APIRoute("/api/v1/captures/{id}/pcap", "The capture's frames as pcap (pcapng when link types mix).",
                 answer: .captureFile, access: .readers),
        APIRoute("/api/v1/flows", "Flows by ascending id, all or those with a Community ID.",
                 query: [.init(name: "community_id", kind: .communityID, summary: "a Community ID v1, URL-encoded"),
                         APIRoute.after, APIRoute.limit],
                 answer: .list("Flow"), access: .readers),
        APIRoute("/api/v1/flows/{id}", "One flow (CONNECTION plus Community ID and totals).", answer: .object("Flow"),
                 access: .readers),
        APIRoute("/api/v1/flows/{id}/events", "A flow's application-layer events by ascending id.",
                 query: [APIRoute.dataset, APIRoute.after, APIRoute.limit], answer: .list("Event"), access: .readers),
        APIRoute("/api/v1/search", "Packets (SEARCHLIST), flows or one protocol's events matching a query (docs/QUERY.md).",
                 query: APIRoute.searchQuery + [
                     .init(name: "after_capture", kind: .cursor, summary: "packets: the previous LastCaptureId"),
                     .init(name: "after", kind: .cursor, summary: "the previous LastId"), APIRoute.limit,
                 ],
                 answer: .object("SearchList"), access: .readers),
        APIRoute(method: "POST", "/api/v1/searches", "Starts a search in the background: its SEARCHMETA (Status 0 queued).",
                 query: APIRoute.searchQuery, answer: .object("SearchMeta"), access: .analysts),
        APIRoute("/api/v1/searches/{id}", "A background search's SEARCHMETA: status and results found.",
                 answer: .object("SearchMeta"), access: .readers),
        APIRoute(method: "DELETE", "/api/v1/searches/{id}",
                 "Cancels a queued or running search, or deletes a finished one with its results: its SEARCHMETA.",
                 answer: .object("SearchMeta"), access: .analysts),
        APIRoute("/api/v1/searches/{id}/results",
                 "A background search's results by ordinal (SEARCHLIST for packets; Items for flows and events).",
                 query: [APIRoute.after, APIRoute.limit], answer: .object("SearchList"), access: .readers),
        APIRoute("/api/v1/search/syntax", "SEARCHSYNTAX: checks a query and returns its processed form.",
                 query: [.init(name: "q", kind: .queryText, summary: "the query")], answer: .object("SearchSyntax"),
                 access: .readers),
        APIRoute("/api/v1/search/pcap",
                 "The pcap of a search's result in time order across captures: the packets found, or every packet of the flows (or events' flows) found.",
                 query: APIRoute.searchQuery, answer: .captureFile, access: .readers),
        APIRoute("/api/v1/flows/{id}/pcap", "The flow's frames as pcap (pcapng when link types mix).",
                 answer: .captureFile, access: .readers),
        APIRoute(method: "POST", "/api/v1/exports",
                 "Writes the pcap of a search's result (as /search/pcap) to the exports directory: its EXPORTFILE.",
                 query: APIRoute.searchQuery, answer: .object("ExportFile"), access: .analysts),
        APIRoute("/api/v1/exports", "The exports on disk (EXPORTFILE), oldest first.", answer: .list("ExportFile"),
                 access: .readers),
        APIRoute("/api/v1/exports/{name}", "An export's capture file (its RelativePath).", answer: .captureFile,
                 access: .readers),
        APIRoute(method: "DELETE", "/api/v1/exports/{name}", "Removes an export: its EXPORTFILE.",
                 answer: .object("ExportFile"), access: .analysts),
        APIRoute(method: "POST", "/api/v1/hunts",
                 "Saves a hunt: a query run every interval over newly stored flows, recording the flows it selects.",
                 query: [.init(name: "name", kind: .name, summary: "the hunt's name, unique"),
                         .init(name: "q", kind: .query, summary: "the query, e.g. dns.question.name endswith .example.com"),
                         .init(name: "as", kind: .searchTarget, summary: "what the query tests: packets (default), flows or events"),
                         .init(name: "dataset", kind: .dataset, summary: "events: the protocol (required with as=events)"),
                         APIRoute.interval],
                 answer: .object("Hunt"), access: .analysts),
        APIRoute("/api/v1/hunts", "Every hunt, by id.", answer: .list("Hunt"), access: .readers),
        APIRoute("/api/v1/hunts/{id}", "One hunt: its query, schedule, last run and matches so far.", answer: .object("Hunt"),
                 access: .readers),
        APIRoute(method: "PATCH", "/api/v1/hunts/{id}", "Enables or disables a hunt, or changes its interval.",
                 query: [.init(name: "enabled", kind: .flag, summary: "true or false"), APIRoute.interval],
                 answer: .object("Hunt"), access: .analysts),
        APIRoute("/api/v1/hunts/{id}/matches", "The flows a hunt matched, in the order they matched (FLOW items).",
                 query: [.init(name: "after", kind: .cursor, summary: "the previous LastId (an ordinal; default 0)"),
                         APIRoute.limit],
                 answer: .object("HuntMatches"), access: .readers),
        APIRoute(method: "POST", "/api/v1/hunts/{id}/run", "Runs a hunt now, due or not: the hunt after the run.",
                 answer: .object("Hunt"), access: .analysts),
        APIRoute(method: "DELETE", "/api/v1/hunts/{id}", "Deletes a hunt and its matches: the hunt as it was.",
                 answer: .object("Hunt"), access: .analysts),
    ]
}
