import Auth
import Formats
import Foundation
@testable import Gateway
import Hummingbird
import HummingbirdTesting
import Wire

/// Search as a closure: `answer` gives the reply to every question but
/// `verifyKey`, which `FakeBackends.holder` answers.
struct FakeSearch: SearchBackend {
    let answer: @Sendable (QueryMessage.Request) throws -> QueryMessage.Reply

    func ask(_ query: QueryMessage.Request) async throws -> QueryMessage.Reply {
        if case .keys(.verify(let hashHex)) = query { return .keys(.holder(FakeBackends.holder(of: hashHex))) }
        return try answer(query)
    }
}

/// Storage's frame reads as a closure.
struct FakeFrames: FrameBackend {
    let read: @Sendable ([QueryMessage.StoredPosition]) throws -> StoredRecords

    func read(_ positions: [QueryMessage.StoredPosition]) async throws -> StoredRecords {
        try read(positions)
    }
}

/// Search and storage as a gateway test needs them, and the gateway's
/// router in front of them, tested without a port or a socket.
struct FakeBackends: Sendable {
    /// A live admin key.
    static let key = String(repeating: "ab", count: 32)
    static let authorization: HTTPFields = [.authorization: "Token \(key)"]
    /// A key search does not know: unknown, or revoked.
    static let unknownKey = String(repeating: "0", count: 64)

    /// A live key of `role`.
    static func key(_ role: APIRole) -> String {
        String(repeating: "\((APIRole.allCases.firstIndex(of: role) ?? 0) + 1)", count: 64)
    }

    /// Who holds the key with this hash: the role keys their role, the
    /// unknown key no one, any other key an admin.
    static func holder(of hashHex: String) -> APIKeyHolder? {
        if hashHex == APIKey(unknownKey)?.hashHex { return nil }
        let role = APIRole.allCases.first { APIKey(key($0))?.hashHex == hashHex } ?? .admin
        return APIKeyHolder(name: "\(role)-key", role: role)
    }

    let search: FakeSearch
    let frames: FakeFrames
    let exports: ExportDirectory

    /// `answer` gives search's replies; `read` storage's records at a list of positions.
    init(exports: ExportDirectory = ExportDirectory(path: NSTemporaryDirectory() + "netsift-exports-\(UUID().uuidString)"),
         answer: @escaping @Sendable (QueryMessage.Request) throws -> QueryMessage.Reply,
         read: @escaping @Sendable ([QueryMessage.StoredPosition]) throws -> StoredRecords = { _ in
             StoredRecords(count: 0, unreadable: [], bytes: [])
         }) {
        search = FakeSearch(answer: answer)
        frames = FakeFrames(read: read)
        self.exports = exports
    }

    func router(downloads: DownloadLimiter = DownloadLimiter()) -> Router<BasicRequestContext> {
        buildRouter(GatewayDependencies(search: search, frames: frames, exports: exports, downloads: downloads))
    }

    /// Runs `test` against the gateway's router (in `app`, or an application of its own).
    func test<T>(_ app: (any ApplicationProtocol)? = nil,
                 _ test: @escaping @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        try await (app ?? Application(router: router())).test(.router, test)
    }
}
