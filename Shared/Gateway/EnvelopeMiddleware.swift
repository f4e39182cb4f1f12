import HTTPTypes
import Hummingbird

/// Answers what no route answers in the RESPONSE envelope too: a method a
/// path does not serve gets 405 with `Allow`, an unknown path 404, an error
/// a route throws the generic 500 (`GatewayRouter.internalError`). Every
/// answer carries the request's id in `X-Request-Id`.
struct EnvelopeMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await RequestScope.$current.withValue(RequestScope(context)) {
            try await answer(request, context: context, next: next)
        }
        response.headers[.requestID] = context.id
        return response
    }

    private func answer(_ request: Request, context: Context,
                        next: (Request, Context) async throws -> Response) async throws -> Response {
        let allowed = Self.methods(servedAt: request.uri.path)
        let method = request.method == .head ? "GET" : request.method.rawValue
        if !allowed.isEmpty, !allowed.contains(method) {
            let list = allowed.sorted().joined(separator: ", ")
            var response = GatewayRouter.json(
                APIResponse.error(.malformedRequest, "\(request.method) is not served here: \(list)"), status: 405)
            response.headers[.allow] = list
            return response
        }
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            return GatewayRouter.failure(.noPage, "no route \(request.uri.path)")
        } catch let error as any HTTPResponseError where error.status.code < 500 {
            throw error
        } catch {
            return GatewayRouter.failure(.genericError, "\(request.method) \(request.uri.path): \(error)")
        }
    }

    /// The methods of the routes whose path pattern (`{id}` matching any one segment) matches `path`.
    static func methods(servedAt path: String) -> Set<String> {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        var methods = Set<String>()
        for route in GatewayRouter.routes {
            let pattern = route.path.split(separator: "/", omittingEmptySubsequences: false)
            guard pattern.count == segments.count,
                  zip(pattern, segments).allSatisfy({ $0 == "{id}" || $0 == $1 }) else { continue }
            methods.insert(route.method)
        }
        return methods
    }
}
