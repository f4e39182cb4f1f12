extension QueryMessage {
    /// Background searches: queued, read, cancelled or deleted, and their results paged.
    public enum Searches {
        public enum Request: QueryKinds {
            /// Queues a search to run in the background: its `meta`, a
            /// `Search.Reply.page` with the problem when the query cannot run,
            /// or `busy` when its owner has as many queued or running as allowed.
            case start(SearchRequest)
            case get(id: UInt64)
            /// Stops a queued or running search (its meta after), or deletes
            /// a finished one with its results (its meta as it was).
            case cancel(id: UInt64)
            /// A search's results by ordinal above `after`.
            case listResults(id: UInt64, after: UInt64, limit: Int)

            enum CodingKeys: String, CodingKey, CaseIterable {
                case start = "startSearch", get = "getSearch", cancel = "cancelSearch", listResults = "listSearchResults"
            }
        }

        /// nil: no such search.
        public enum Reply: QueryKinds {
            case meta(SearchMeta?)
            case results(SearchResults?)
            /// The owner's queued and running searches, and the most it may have.
            case busy(active: Int, limit: Int)

            enum CodingKeys: String, CodingKey, CaseIterable {
                case meta = "searchMeta", results = "searchResults", busy = "searchesBusy"
            }
        }
    }

    /// A background search: what was asked and how far it got.
    public struct SearchMeta: Codable, Hashable, Sendable {
        public enum Status: String, Codable, Hashable, Sendable {
            case queued, running, complete, failed, cancelled
        }

        public var id: UInt64
        public var query: String
        public var target: SearchRequest.Target
        public var dataset: String?
        public var status: Status
        /// Results stored (known once complete).
        public var found: UInt64
        public var error: String?

        public init(id: UInt64, query: String, target: SearchRequest.Target, dataset: String?, status: Status,
                    found: UInt64, error: String?) {
            self.id = id
            self.query = query
            self.target = target
            self.dataset = dataset
            self.status = status
            self.found = found
            self.error = error
        }
    }

    /// A page of a background search's results; `page.lastID` is the last ordinal.
    public struct SearchResults: Codable, Hashable, Sendable {
        public var meta: SearchMeta
        public var page: SearchPage

        public init(meta: SearchMeta, page: SearchPage) {
            self.meta = meta
            self.page = page
        }
    }
}
