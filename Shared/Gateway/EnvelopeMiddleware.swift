import HTTPTypes
import Hummingbird

/// Answers what no route answers in the RESPONSE envelope too: a method the
/// API does not serve gets 405 (every route is GET), an unknown path 404.
struct EnvelopeMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get || request.method == .head else {
            var response = GatewayRouter.json(
                APIResponse.error(.malformedRequest, "\(request.method) is not served: every route is GET"), status: 405)
            response.headers[.allow] = "GET"
            return response
        }
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            return GatewayRouter.failure(.noPage, "no route \(request.uri.path)")
        }
    }
}
