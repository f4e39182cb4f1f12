import Auth
import Formats
import Wire

/// The replies the gateway reads, each the value of its case or nil for
/// any other reply: `search.reply(to: .listHunts, \.hunts)`. A reply whose
/// value is optional (nil: no such object) is doubly so.
extension QueryMessage.Body {
    var keyHolder: APIKeyHolder?? { if case .keyHolder(let value) = self { value } else { nil } }
    var totals: QueryMessage.Totals? { if case .totals(let value) = self { value } else { nil } }
    var sensors: [QueryMessage.Sensor]? { if case .sensors(let value) = self { value } else { nil } }
    var adapters: [QueryMessage.Adapter]? { if case .adapters(let value) = self { value } else { nil } }
    var captures: [QueryMessage.Capture]? { if case .captures(let value) = self { value } else { nil } }
    var capture: QueryMessage.Capture?? { if case .capture(let value) = self { value } else { nil } }
    var captureMeta: QueryMessage.CaptureMeta?? { if case .captureMeta(let value) = self { value } else { nil } }
    var captureStats: QueryMessage.CaptureStats?? { if case .captureStats(let value) = self { value } else { nil } }
    var packets: QueryMessage.PacketPage?? { if case .packets(let value) = self { value } else { nil } }
    var flows: [QueryMessage.Flow]?? { if case .flows(let value) = self { value } else { nil } }
    var flow: QueryMessage.Flow?? { if case .flow(let value) = self { value } else { nil } }
    var events: [QueryMessage.StoredEvent]?? { if case .events(let value) = self { value } else { nil } }
    var exportPlan: QueryMessage.ExportPlan?? { if case .exportPlan(let value) = self { value } else { nil } }
    var exportFrames: [QueryMessage.ExportFrame]? { if case .exportFrames(let value) = self { value } else { nil } }
    var searchPage: QueryMessage.SearchPage? { if case .searchPage(let value) = self { value } else { nil } }
    var searchMeta: QueryMessage.SearchMeta?? { if case .searchMeta(let value) = self { value } else { nil } }
    var searchResults: QueryMessage.SearchResults?? { if case .searchResults(let value) = self { value } else { nil } }
    var hunts: [QueryMessage.Hunt]? { if case .hunts(let value) = self { value } else { nil } }
    var hunt: QueryMessage.Hunt?? { if case .hunt(let value) = self { value } else { nil } }
    var huntMatches: QueryMessage.HuntMatches?? { if case .huntMatches(let value) = self { value } else { nil } }
}
