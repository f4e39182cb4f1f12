import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Maps every error to its answer in the RESPONSE envelope: an `APIError`
/// to its code and status (401 with `WWW-Authenticate`, 5xx generic with the
/// request's id), an unknown path to 404, a method a path does not serve to
/// 405 with `Allow`, any other error to the generic 500. Every answer carries
/// the request's id in `X-Request-Id`.
struct EnvelopeMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            try Self.checkMethod(request)
            response = try await next(request, context)
        } catch let error as APIError {
            response = Self.response(for: error, requestID: context.id, logger: context.logger)
        } catch let error as HTTPError where error.status == .notFound {
            response = Self.response(for: .notFound("no route \(request.uri.path)"), requestID: context.id,
                                     logger: context.logger)
        } catch let error as any HTTPResponseError where error.status.code < 500 {
            throw error
        } catch {
            response = Self.response(for: .internalError("\(request.method) \(request.uri.path): \(error)"),
                                     requestID: context.id, logger: context.logger)
        }
        response.headers[.requestID] = context.id
        return response
    }

    /// The answer to `error`; an internal one's detail goes to the log under
    /// the request's id, never to the client.
    static func response(for error: APIError, requestID: String, logger: Logger) -> Response {
        var headers = error.headers
        headers[.contentType] = "application/json"
        var message = error.message
        if error.isInternal {
            logger.error("internal error: \(error.message)", metadata: ["netsift.request_id": "\(requestID)"])
            message = "internal error; request id \(requestID)"
            headers[.requestID] = requestID
        }
        if error.status == .unauthorized { headers[.wwwAuthenticate] = #"Basic realm="NetSift""# }
        return Response(status: error.status, headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: APIResponse.error(error.code, message))))
    }

    /// 405 when routes serve the path but not the method (HEAD is GET's).
    static func checkMethod(_ request: Request) throws(APIError) {
        let allowed = methods(servedAt: request.uri.path)
        let method = request.method == .head ? "GET" : request.method.rawValue
        guard !allowed.isEmpty, !allowed.contains(method) else { return }
        let list = allowed.sorted().joined(separator: ", ")
        throw APIError(.malformedRequest, "\(request.method) is not served here: \(list)", status: .methodNotAllowed,
                       headers: [.allow: list])
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

extension HTTPField.Name {
    /// The request's id, on every answer; a 5xx answer's message names it too.
    static let requestID = Self("X-Request-Id")!
}
