/// Hunts: saved queries that search runs again and again over newly stored
/// flows, recording the flows each one matched (docs/QUERY.md, "Hunts").
extension QueryMessage {
    public enum Hunts {
        public enum Request: QueryKinds {
            /// Saves a hunt: its `hunt`, or `refused`.
            case add(HuntRequest)
            case list
            case get(id: UInt64)
            case update(id: UInt64, HuntChange)
            /// Deletes a hunt with its matches: the hunt as it was.
            case delete(id: UInt64)
            /// Runs a hunt now, whether due or not: the hunt after the run.
            case run(id: UInt64)
            /// A hunt's matches by ordinal above `after`.
            case listMatches(id: UInt64, after: UInt64, limit: Int)

            enum CodingKeys: String, CodingKey, CaseIterable {
                case add = "addHunt", list = "listHunts", get = "getHunt", update = "updateHunt", delete = "deleteHunt"
                case run = "runHunt", listMatches = "listHuntMatches"
            }
        }

        /// nil: no such hunt.
        public enum Reply: QueryKinds {
            case refused(HuntRefusal)
            case hunts([Hunt])
            case hunt(Hunt?)
            case matches(HuntMatches?)

            enum CodingKeys: String, CodingKey, CaseIterable {
                case refused = "huntRefused", hunts, hunt, matches = "huntMatches"
            }
        }
    }

    /// A hunt to save: its query is checked as a search's would be.
    public struct HuntRequest: Codable, Hashable, Sendable {
        public var name: String
        public var query: String
        public var target: SearchRequest.Target
        /// Events: the protocol whose events the query tests.
        public var dataset: String?
        /// Seconds between runs; nil runs it at the search service's default.
        public var intervalSeconds: Int?

        public init(name: String, query: String, target: SearchRequest.Target, dataset: String? = nil,
                    intervalSeconds: Int? = nil) {
            self.name = name
            self.query = query
            self.target = target
            self.dataset = dataset
            self.intervalSeconds = intervalSeconds
        }

        /// The search the hunt runs (a check only: limit 0).
        public var search: SearchRequest {
            SearchRequest(query: query, target: target, limit: 0, dataset: dataset)
        }
    }

    /// What a PATCH changes; nil leaves it as it is.
    public struct HuntChange: Codable, Hashable, Sendable {
        public var enabled: Bool?
        public var intervalSeconds: Int?

        public init(enabled: Bool? = nil, intervalSeconds: Int? = nil) {
            self.enabled = enabled
            self.intervalSeconds = intervalSeconds
        }
    }

    /// Why a hunt was not saved.
    public enum HuntRefusal: Codable, Hashable, Sendable {
        case query(QueryProblem)
        case nameTaken(String)
    }

    /// A saved hunt and how its runs went.
    public struct Hunt: Codable, Hashable, Sendable {
        public var id: UInt64
        public var name: String
        /// The query as the compiler read it.
        public var query: String
        public var target: SearchRequest.Target
        public var dataset: String?
        /// nil: the search service's `hunt_interval_seconds`.
        public var intervalSeconds: Int?
        public var enabled: Bool
        /// Wall clock, ns since the Unix epoch.
        public var createdAt: Int64
        public var lastRunAt: Int64?
        /// Why the last run failed; nil after a run that succeeded.
        public var lastError: String?
        /// Flows matched so far (the last match's ordinal).
        public var matched: UInt64

        public init(id: UInt64, name: String, query: String, target: SearchRequest.Target, dataset: String?,
                    intervalSeconds: Int?, enabled: Bool, createdAt: Int64, lastRunAt: Int64?, lastError: String?,
                    matched: UInt64) {
            self.id = id
            self.name = name
            self.query = query
            self.target = target
            self.dataset = dataset
            self.intervalSeconds = intervalSeconds
            self.enabled = enabled
            self.createdAt = createdAt
            self.lastRunAt = lastRunAt
            self.lastError = lastError
            self.matched = matched
        }
    }

    /// A page of a hunt's matched flows by ordinal; `lastOrdinal` is the next page's `after`.
    public struct HuntMatches: Codable, Hashable, Sendable {
        public var hunt: Hunt
        public var flows: [Flow]
        public var lastOrdinal: UInt64

        public init(hunt: Hunt, flows: [Flow], lastOrdinal: UInt64) {
            self.hunt = hunt
            self.flows = flows
            self.lastOrdinal = lastOrdinal
        }
    }
}
