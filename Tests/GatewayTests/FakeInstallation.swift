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

    static func answer(_ query: QueryMessage.Body) -> QueryMessage.Body {
        switch query {
        case .getTotals: .totals(Sample.totals)
        case .listSensors: .sensors([Sample.sensor])
        case .listAdapters: .adapters([Sample.adapter])
        case .listCaptures: .captures([Sample.capture])
        case .getCapture(let id): .capture(id == 1 ? Sample.capture : nil)
        case .getCaptureMeta(let id): .captureMeta(id == 1 ? Sample.captureMeta : nil)
        case .getCaptureStats(let id): .captureStats(id == 1 ? Sample.captureStats : nil)
        case .listPackets(let id, _, _): .packets(id == 1 ? Sample.packetPage : nil)
        case .listFlows(let id, _, _): .flows(id == 1 ? [Sample.flow] : nil)
        case .findFlows: .flows([Sample.flow])
        case .getFlow(let id): .flow(id == 1 ? Sample.flow : nil)
        case .listEvents(.capture(let id), _, _, _), .listEvents(.flow(let id), _, _, _): .events(id == 1 ? [event] : nil)
        case .getExportPlan(.scope(.capture(let id))), .getExportPlan(.scope(.flow(let id))):
            .exportPlan(id == 1 ? QueryMessage.ExportPlan(linkTypes: [1], packets: 1) : nil)
        case .getExportPlan(.search(let ask)): .exportPlan(ask.query == "bad" ? nil : .init(linkTypes: [1], packets: 1))
        case .listExportFrames(_, let after, _): .exportFrames(after == .start ? [frame] : [])
        case .search(let ask): .searchPage(page(ask))
        case .startSearch(let ask) where ask.query == "busy": .searchesBusy(active: 4, limit: 4)
        case .startSearch(let ask) where ask.query == "bad": .searchPage(page(ask))
        case .startSearch: .searchMeta(searchMeta)
        case .getSearch(let id), .cancelSearch(let id): .searchMeta(id == 1 ? searchMeta : nil)
        case .listSearchResults(let id, _, _):
            .searchResults(id == 1 ? .init(meta: searchMeta, page: page(.init(query: "tcp", target: .packets, limit: 1))) : nil)
        case .addHunt(let hunt) where hunt.name == "taken": .huntRefused(.nameTaken(hunt.name))
        case .addHunt(let hunt) where hunt.query == "bad": .huntRefused(.query(problem))
        case .addHunt: .hunt(Sample.hunt)
        case .listHunts: .hunts([Sample.hunt])
        case .getHunt(let id), .updateHunt(let id, _), .deleteHunt(let id), .runHunt(let id): .hunt(id == 1 ? Sample.hunt : nil)
        case .listHuntMatches(let id, _, _): .huntMatches(id == 1 ? Sample.huntMatches : nil)
        default: .failed(message: "not faked: \(query)")
        }
    }

    /// The backends, with an exports directory holding one export.
    static func backends(answer: @escaping @Sendable (QueryMessage.Body) throws -> QueryMessage.Body = answer,
                         read: @escaping @Sendable ([QueryMessage.StoredPosition]) throws -> StoredRecords = DownloadTests.read)
        throws -> FakeBackends {
        let directory = NSTemporaryDirectory() + "netsift-exports-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(DownloadTests.expectedFile(capture: 1)).write(to: URL(fileURLWithPath: directory + "/" + exportName))
        return FakeBackends(exports: ExportDirectory(path: directory, minimumFreeBytes: 0), answer: answer, read: read)
    }
}
