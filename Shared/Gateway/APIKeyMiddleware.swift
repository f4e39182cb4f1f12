import Auth
import Formats
import HTTPTypes
import Hummingbird
import Wire

/// Lets a request through only with a live API key (HTTP Basic with the key
/// as user name and an empty password, or `Authorization: Token KEY`) whose
/// role the route admits (`RouteAccess`; a route without a rule admits
/// none). Search checks the key's SHA-256 and names its holder; the key
/// itself never leaves the gateway. A positive answer is kept in `cache` for
/// its TTL (5 s), so a busy client costs search one question per key every
/// few seconds; a negative answer is never kept. Changes and reads of packet
/// bytes are audited (`AuditLine`), refused ones included.
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Who holds the live key with this SHA-256 (hex), as search says; nil when none.
    typealias Verify = @Sendable (_ hashHex: String) async throws -> APIKeyHolder?

    let cache: VerifiedKeyCache
    let access: RouteAccess
    let verify: Verify

    init(search: any SearchBackend, cache: VerifiedKeyCache, access: RouteAccess = RouteAccess()) {
        self.init(cache: cache, access: access) { hashHex in
            try await search.reply(to: .keys(.verify(hashHex: hashHex)), \.keyHolder)
        }
    }

    init(cache: VerifiedKeyCache, access: RouteAccess = RouteAccess(), verify: @escaping Verify) {
        self.cache = cache
        self.access = access
        self.verify = verify
    }

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let key = Credentials.key(fromAuthorization: request.headers[.authorization]) else {
            throw APIError(.noToken, "an API key is required (Authorization: Token KEY, or Basic KEY:)")
        }
        let holder: APIKeyHolder
        switch await check(key.hashHex) {
        case .valid(let known):
            holder = known
        case .invalid:
            throw APIError(.invalidCredentials, "the API key is not valid (unknown or revoked)")
        case .unchecked(let error):
            throw APIError.internalError("cannot check the API key: \(error)")
        }
        let method = request.method.rawValue
        let pattern = context.endpointPath ?? request.uri.path
        let audit = AuditLine(holder: holder, method: method, route: pattern, path: request.uri.path)
        guard let route = access.route(method: method, path: pattern) else {
            throw audit.refused(APIError(.invalidPermissions, "no rule admits \(method) \(pattern)"), context.logger)
        }
        guard route.access.roles.contains(holder.role) else {
            let needed = APIRole.allCases.filter(route.access.roles.contains).map(\.rawValue).joined(separator: " or ")
            let message = "a key with role \(holder.role) may not \(method) \(pattern) (it needs \(needed))"
            throw audit.refused(APIError(.invalidPermissions, message), context.logger)
        }
        guard route.isAudited else { return try await next(request, context) }
        do {
            let response = try await next(request, context)
            audit.log(status: Int(response.status.code), context.logger)
            return response
        } catch {
            audit.log(status: Int((error as? any HTTPResponseError)?.status.code ?? 500), context.logger)
            throw error
        }
    }

    enum Outcome: Equatable {
        case valid(APIKeyHolder)
        case invalid
        case unchecked(String)
    }

    /// The cache's answer if it has one, else search's (kept when positive).
    func check(_ hashHex: String) async -> Outcome {
        let asked = ContinuousClock.now
        if let holder = cache.holder(of: hashHex, now: asked) { return .valid(holder) }
        let holder: APIKeyHolder
        do {
            guard let known = try await verify(hashHex) else { return .invalid }
            holder = known
        } catch {
            return .unchecked("\(error)")
        }
        cache.recordVerified(hashHex, as: holder, at: asked)
        return .valid(holder)
    }
}
