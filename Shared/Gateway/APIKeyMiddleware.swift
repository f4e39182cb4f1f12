import Auth
import HTTPTypes
import Hummingbird
import Messaging
import Search

/// Lets a request through only with a live API key (HTTP Basic with the key
/// as user name and an empty password, or `Authorization: Token KEY`).
/// Search checks the key's SHA-256; the key itself never leaves the gateway.
/// A positive answer is kept in `cache` for its TTL (5 s), so a busy client
/// costs search one question per key every few seconds; a negative answer
/// is never kept.
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Whether search says the key with this SHA-256 (hex) is live.
    typealias Verify = @Sendable (_ hashHex: String) async throws -> Bool

    let cache: VerifiedKeyCache
    let verify: Verify

    init(search: SearchClient, cache: VerifiedKeyCache) {
        self.init(cache: cache) { hashHex in
            guard case .keyValid(true) = try await search.ask(.verifyKey(hashHex: hashHex)) else { return false }
            return true
        }
    }

    init(cache: VerifiedKeyCache, verify: @escaping Verify) {
        self.cache = cache
        self.verify = verify
    }

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let key = Credentials.key(fromAuthorization: request.headers[.authorization]) else {
            return GatewayRouter.failure(.noToken, "an API key is required (Authorization: Token KEY, or Basic KEY:)")
        }
        switch await check(key.hashHex) {
        case .valid:
            return try await next(request, context)
        case .invalid:
            return GatewayRouter.failure(.invalidCredentials, "the API key is not valid (unknown or revoked)")
        case .unchecked(let error):
            return GatewayRouter.failure(.genericError, "cannot check the API key: \(error)")
        }
    }

    enum Outcome: Equatable {
        case valid
        case invalid
        case unchecked(String)
    }

    /// The cache's answer if it has one, else search's (kept when positive).
    func check(_ hashHex: String) async -> Outcome {
        let asked = ContinuousClock.now
        if cache.isVerified(hashHex, now: asked) { return .valid }
        do {
            guard try await verify(hashHex) else { return .invalid }
        } catch {
            return .unchecked("\(error)")
        }
        cache.recordVerified(hashHex, at: asked)
        return .valid
    }
}
