import Foundation
@testable import Gateway
import Wire

/// An installation with one of everything, numbered 1: search's replies
/// about it (nil for any other id), and storage's frames. A query `bad`
/// does not compile; a background search `busy` finds its key at its limit;
/// a hunt named `taken` exists.
enum FakeInstallation {
    static let exportName = "netsift-search-1-a.pcap"
    static let problem = QueryMessage.QueryProblem(position: 0, message: "unknown field bad", hint: "try tcp")
    static let event = QueryMessage.StoredEvent(id: 1, document: #"{"@timestamp":"2024-01-01T00:00:00Z","event":{"dataset":"dns"},"#
        + #""flow":{"id":"1"},"network":{"community_id":"1:x"},"netsift":{"event":1,"capture":1,"frames":[1]}}"#)
    static let frame = QueryMessage.ExportFrame(capture: 1, frame: 1, time: 1, linkType: 1, position: Sample.position)
    static let searchMeta = QueryMessage.SearchMeta(id: 1, query: "tcp", target: .packets, dataset: nil, status: .complete,
                                                    found: 1, error: nil)

    static func page(_ ask: QueryMessage.SearchRequest) -> QueryMessage.SearchPage {
        guard ask.query != "bad" else { return QueryMessage.SearchPage(problem: problem) }
        guard ask.limit > 0 else { return QueryMessage.SearchPage(processed: ask.query) }
        return QueryMessage.SearchPage(packets: [.init(captureID: 1, packet: Sample.packet)], flows: [Sample.flow],
                                       events: [event], lastCapture: 1, lastID: 1, processed: ask.query)
    }

    static func answer(_ query: QueryMessage.Request) -> QueryMessage.Reply {
        switch query {
        case .installation(.getTotals): .installation(.totals(Sample.totals))
        case .installation(.listSensors): .installation(.sensors([Sample.sensor]))
        case .installation(.listAdapters): .installation(.adapters([Sample.adapter]))
        case .captures(let request): .captures(captures(request))
        case .packets(.list(let id, _, _)): .packets(.page(id == 1 ? Sample.packetPage : nil))
        case .flows(let request): .flows(flows(request))
        case .events(.list(.capture(let id), _, _, _)), .events(.list(.flow(let id), _, _, _)):
            .events(.events(id == 1 ? [event] : nil))
        case .search(let request): .search(search(request))
        case .searches(let request): searches(request)
        case .hunts(let request): .hunts(hunts(request))
        case .keys: .failed(message: "not faked: \(query)")
        }
    }

    static func captures(_ request: QueryMessage.Captures.Request) -> QueryMessage.Captures.Reply {
        switch request {
        case .list: .captures([Sample.capture])
        case .get(let id): .capture(id == 1 ? Sample.capture : nil)
        case .getMeta(let id): .meta(id == 1 ? Sample.captureMeta : nil)
        case .getStats(let id): .stats(id == 1 ? Sample.captureStats : nil)
        }
    }

    static func flows(_ request: QueryMessage.Flows.Request) -> QueryMessage.Flows.Reply {
        switch request {
        case .list(let id, _, _): .flows(id == 1 ? [Sample.flow] : nil)
        case .find: .flows([Sample.flow])
        case .get(let id): .flow(id == 1 ? Sample.flow : nil)
        }
    }

    static func search(_ request: QueryMessage.Search.Request) -> QueryMessage.Search.Reply {
        switch request {
        case .run(let ask): .page(page(ask))
        case .getExportPlan(.scope(.capture(let id))), .getExportPlan(.scope(.flow(let id))):
            .exportPlan(id == 1 ? QueryMessage.ExportPlan(linkTypes: [1], packets: 1) : nil)
        case .getExportPlan(.search(let ask)): .exportPlan(ask.query == "bad" ? nil : .init(linkTypes: [1], packets: 1))
        case .listExportFrames(_, let after, _): .exportFrames(after == .start ? [frame] : [])
        }
    }

    static func searches(_ request: QueryMessage.Searches.Request) -> QueryMessage.Reply {
        switch request {
        case .start(let ask) where ask.query == "busy": .searches(.busy(active: 4, limit: 4))
        case .start(let ask) where ask.query == "bad": .search(.page(page(ask)))
        case .start: .searches(.meta(searchMeta))
        case .get(let id), .cancel(let id): .searches(.meta(id == 1 ? searchMeta : nil))
        case .listResults(let id, _, _):
            .searches(.results(id == 1 ? .init(meta: searchMeta, page: page(.init(query: "tcp", target: .packets, limit: 1)))
                                       : nil))
        }
    }

    static func hunts(_ request: QueryMessage.Hunts.Request) -> QueryMessage.Hunts.Reply {
        switch request {
        case .add(let hunt) where hunt.name == "taken": .refused(.nameTaken(hunt.name))
        case .add(let hunt) where hunt.query == "bad": .refused(.query(problem))
        case .add: .hunt(Sample.hunt)
        case .list: .hunts([Sample.hunt])
        case .get(let id), .update(let id, _), .delete(let id), .run(let id): .hunt(id == 1 ? Sample.hunt : nil)
        case .listMatches(let id, _, _): .matches(id == 1 ? Sample.huntMatches : nil)
        }
    }

    /// The backends, with an exports directory holding one export.
    static func backends(answer: @escaping @Sendable (QueryMessage.Request) throws -> QueryMessage.Reply = answer,
                         read: @escaping @Sendable ([QueryMessage.StoredPosition]) throws -> StoredRecords = DownloadTests.read)
        throws -> FakeBackends {
        let directory = NSTemporaryDirectory() + "netsift-exports-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(DownloadTests.expectedFile(capture: 1)).write(to: URL(fileURLWithPath: directory + "/" + exportName))
        return FakeBackends(exports: ExportDirectory(path: directory, minimumFreeBytes: 0), answer: answer, read: read)
    }
}
