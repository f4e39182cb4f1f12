import Auth
import Database
import Wire

/// API keys: the gateway's check of each request's key.
extension SearchEngine {
    func answer(_ request: QueryMessage.Keys.Request) throws -> QueryMessage.Keys.Reply {
        switch request {
        case .verify(let hashHex): .holder(try verifyKey(hashHex: hashHex))
        }
    }

    private func verifyKey(hashHex: String) throws -> APIKeyHolder? {
        guard let hash = APIKeyStore.bytes(hex: hashHex) else { return nil }
        return try APIKeyStore(connection: connection).verify(hash: hash)?.holder
    }
}
