import Configurations
import Search

extension SearchLimits {
    /// `search_ttl_hours` 0 keeps finished searches until they are deleted.
    init(_ configuration: SearchConfiguration) {
        self.init(activePerKey: configuration.searchesPerKey, maxResults: configuration.searchMaxResults,
                  ttl: .seconds(Int64(configuration.searchTTLHours) * 3600))
    }
}
