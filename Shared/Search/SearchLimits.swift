/// What background searches may hold: how many one API key has queued or
/// running, how many rows one stores, and how long a finished one is kept.
public struct SearchLimits: Sendable, Equatable {
    /// `searches_per_key` (4): one key cannot queue work for hours ahead of everyone else.
    public var activePerKey: Int
    /// `search_max_results` (1,000,000): one search's rows (~100 MB in `search_results`) stay bounded.
    public var maxResults: Int
    /// `search_ttl_hours` (24): finished searches and their rows are removed after this; nil keeps them.
    public var ttl: Duration?

    public static let `default` = SearchLimits(activePerKey: 4, maxResults: 1_000_000, ttl: .seconds(24 * 3600))

    public init(activePerKey: Int, maxResults: Int, ttl: Duration?) {
        self.activePerKey = max(1, activePerKey)
        self.maxResults = max(1, maxResults)
        self.ttl = ttl.flatMap { $0 > .zero ? $0 : nil }
    }
}
