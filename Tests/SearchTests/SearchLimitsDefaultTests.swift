import Configurations
import Search
import Testing

/// The limits the engine keeps for itself are the search service's defaults.
@Suite struct SearchLimitsDefaultTests {
    @Test func theEnginesDefaultLimitsAreTheServicesDefaultSettings() {
        let settings = SearchConfiguration()
        #expect(SearchLimits.default == SearchLimits(activePerKey: settings.searchesPerKey,
                                                     maxResults: settings.searchMaxResults,
                                                     ttl: .seconds(Int64(settings.searchTTLHours) * 3600)))
    }
}
