import Auth
import Formats
import Wire

/// The replies the gateway reads, each the value of its case or nil for
/// any other reply: `search.reply(to: .hunts(.list), \.hunts)`. A reply
/// whose value is optional (nil: no such object) is doubly so.
extension QueryMessage.Reply {
    var keyHolder: APIKeyHolder?? { if case .keys(.holder(let value)) = self { value } else { nil } }
    var totals: QueryMessage.Totals? { if case .installation(.totals(let value)) = self { value } else { nil } }
    var sensors: [QueryMessage.Sensor]? { if case .installation(.sensors(let value)) = self { value } else { nil } }
    var adapters: [QueryMessage.Adapter]? { if case .installation(.adapters(let value)) = self { value } else { nil } }
    var captures: [QueryMessage.Capture]? { if case .captures(.captures(let value)) = self { value } else { nil } }
    var capture: QueryMessage.Capture?? { if case .captures(.capture(let value)) = self { value } else { nil } }
    var captureMeta: QueryMessage.CaptureMeta?? { if case .captures(.meta(let value)) = self { value } else { nil } }
    var captureStats: QueryMessage.CaptureStats?? { if case .captures(.stats(let value)) = self { value } else { nil } }
    var packets: QueryMessage.PacketPage?? { if case .packets(.page(let value)) = self { value } else { nil } }
    var flows: [QueryMessage.Flow]?? { if case .flows(.flows(let value)) = self { value } else { nil } }
    var flow: QueryMessage.Flow?? { if case .flows(.flow(let value)) = self { value } else { nil } }
    var events: [QueryMessage.StoredEvent]?? { if case .events(.events(let value)) = self { value } else { nil } }
    var searchPage: QueryMessage.SearchPage? { if case .search(.page(let value)) = self { value } else { nil } }
    var exportPlan: QueryMessage.ExportPlan?? { if case .search(.exportPlan(let value)) = self { value } else { nil } }
    var exportFrames: [QueryMessage.ExportFrame]? { if case .search(.exportFrames(let value)) = self { value } else { nil } }
    var searchMeta: QueryMessage.SearchMeta?? { if case .searches(.meta(let value)) = self { value } else { nil } }
    var searchResults: QueryMessage.SearchResults?? { if case .searches(.results(let value)) = self { value } else { nil } }
    var hunts: [QueryMessage.Hunt]? { if case .hunts(.hunts(let value)) = self { value } else { nil } }
    var hunt: QueryMessage.Hunt?? { if case .hunts(.hunt(let value)) = self { value } else { nil } }
    var huntMatches: QueryMessage.HuntMatches?? { if case .hunts(.matches(let value)) = self { value } else { nil } }
}
