import Foundation
@testable import Gateway
import Hummingbird
import HummingbirdTesting
import Logging
import Messaging
import Model
import Wire

/// Search and storage as a gateway test needs them: request servers on
/// in-process endpoints, answering from closures, and the gateway's router
/// in front of them, tested without a port.
final class FakeBackends: Sendable {
    static let key = String(repeating: "ab", count: 32)
    static let authorization: HTTPFields = [.authorization: "Token \(key)"]

    let context: MessageContext
    let search: SearchClient
    let storage: RequestClient<PacketReadMessage>
    let exports: ExportDirectory
    private let searchServer: RequestServer<QueryMessage>
    private let storageServer: RequestServer<PacketReadMessage>
    private let stopped = DispatchGroup()

    /// `answer` gives search's reply to every query but `verifyKey` (any key
    /// is live); `read` storage's records at a list of positions.
    init(exports: ExportDirectory = ExportDirectory(path: NSTemporaryDirectory() + "netsift-exports-\(UUID().uuidString)"),
         answer: @escaping @Sendable (QueryMessage.Body) -> QueryMessage.Body,
         read: @escaping @Sendable ([QueryMessage.StoredPosition]) -> StoredRecords = { _ in
             StoredRecords(count: 0, unreadable: [], bytes: [])
         }) throws {
        context = try MessageContext()
        let logger = Logger(label: "gateway-test")
        let searchEndpoint = "inproc://search-\(UUID().uuidString)"
        let storageEndpoint = "inproc://storage-\(UUID().uuidString)"
        searchServer = RequestServer(name: "search", endpoint: searchEndpoint, workers: 1, logger: logger)
        storageServer = RequestServer(name: "storage", endpoint: storageEndpoint, workers: 1, logger: logger)
        for run in [
            { [searchServer, context] in
                try searchServer.run(context: context, makeHandler: {
                    { request in
                        if case .verifyKey = request.body { return QueryMessage(.keyHolder(APIKeyHolder(name: "test", role: .admin))) }
                        return QueryMessage(answer(request.body))
                    }
                }, failure: { (QueryMessage(.failed(message: "\($0)")), false) })
            },
            { [storageServer, context] in
                try storageServer.run(context: context, makeHandler: {
                    { request in
                        guard case .read(let positions) = request.body else { throw CocoaError(.featureUnsupported) }
                        return PacketReadMessage(.records(read(positions)))
                    }
                }, failure: { _ in (PacketReadMessage(.records(StoredRecords(count: 0, unreadable: [], bytes: []))), false) })
            },
        ] as [@Sendable () throws -> Void] {
            stopped.enter()
            Thread.detachNewThread { [stopped] in
                try? run()
                stopped.leave()
            }
        }
        search = SearchClient(context: context, endpoint: searchEndpoint, timeout: .seconds(5))
        storage = RequestClient(context: context, endpoint: storageEndpoint, timeout: .seconds(5))
        self.exports = exports
    }

    /// Runs `test` against the gateway's router (in `app`, or an application
    /// of its own), then stops the servers.
    func test<T>(_ app: (any ApplicationProtocol)? = nil,
                 _ test: @escaping @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        defer { close() }
        let app = app ?? Application(router: GatewayRouter(search: search, storage: storage, exports: exports).makeRouter())
        return try await app.test(.router, test)
    }

    private func close() {
        searchServer.stop()
        storageServer.stop()
        stopped.wait()
        search.close()
        storage.close()
        context.terminate()
    }
}
