import HTTPTypes
import Hummingbird
import Logging

/// The request being answered, as its 5xx answers need it: the id sent back
/// in `X-Request-Id`, and the logger its details go to. `EnvelopeMiddleware`
/// sets it around every request.
struct RequestScope: Sendable {
    @TaskLocal static var current: RequestScope?

    let id: String
    let logger: Logger

    init(id: String, logger: Logger) {
        self.id = id
        self.logger = logger
    }

    init(_ context: some RequestContext) {
        self.init(id: context.id, logger: context.logger)
    }
}

extension HTTPField.Name {
    /// The request's id, on every answer; a 5xx answer's message names it too.
    static let requestID = Self("X-Request-Id")!
}

extension GatewayRouter {
    /// A 5xx answer: a generic message and the request's id; what went wrong
    /// goes to the log under that id, never to the client (it may hold SQL,
    /// endpoints or paths).
    static func internalError(_ code: APIResponse.ErrorCode, _ detail: String) -> Response {
        let scope = RequestScope.current ?? RequestScope(id: "\(RequestID())", logger: Logger(label: "netsift.gateway"))
        scope.logger.error("internal error: \(detail)", metadata: ["netsift.request_id": "\(scope.id)"])
        var response = json(APIResponse.error(code, "internal error; request id \(scope.id)"), status: code.httpStatus)
        response.headers[.requestID] = scope.id
        return response
    }
}
