import HTTPTypes
import Hummingbird
import Wire

/// An answer refusing a request: thrown by a route or a middleware and
/// turned into the RESPONSE envelope by `EnvelopeMiddleware`, the one place
/// that maps errors to answers.
public struct APIError: HTTPResponseError, Equatable, CustomStringConvertible {
    public let code: APIResponse.ErrorCode
    /// What the client reads; for an internal error, what only the log reads.
    public let message: String
    public let status: HTTPResponse.Status
    /// Sent with the answer: `Retry-After`, `Allow`, `Content-Range`.
    public let headers: HTTPFields
    /// A 5xx whose message may hold SQL, endpoints or paths: the client gets
    /// a generic message and the request's id, the log the message.
    public let isInternal: Bool

    /// The status `code` maps to; a 5xx code is internal.
    public init(_ code: APIResponse.ErrorCode, _ message: String) {
        let status = HTTPResponse.Status(code: code.httpStatus)
        self.init(code, message, status: status, isInternal: status.code >= 500)
    }

    /// A status of its own (405, 416, 429, 503): a refusal the client may read.
    public init(_ code: APIResponse.ErrorCode, _ message: String, status: HTTPResponse.Status, headers: HTTPFields) {
        self.init(code, message, status: status, headers: headers, isInternal: false)
    }

    private init(_ code: APIResponse.ErrorCode, _ message: String, status: HTTPResponse.Status,
                 headers: HTTPFields = [:], isInternal: Bool) {
        self.code = code
        self.message = message
        self.status = status
        self.headers = headers
        self.isInternal = isInternal
    }

    public var description: String { message }

    /// Thrown past `EnvelopeMiddleware` (a router without it): the same answer.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        EnvelopeMiddleware<BasicRequestContext>.response(for: self, requestID: context.id, logger: context.logger)
    }

    static func internalError(_ detail: String) -> APIError {
        APIError(.genericError, detail)
    }

    static func notFound(_ message: String) -> APIError {
        APIError(.noPage, message)
    }

    static func malformed(_ message: String) -> APIError {
        APIError(.malformedRequest, message)
    }

    /// A reply search should not give to the question asked.
    static func unexpected(_ reply: QueryMessage.Reply) -> APIError {
        internalError("search gave an unexpected answer: \(reply)")
    }

    /// Work refused for now: 429 (this API key is at its limit) or 503 (the
    /// gateway is), ErrorCode 1, with `Retry-After`.
    static func busy(_ status: HTTPResponse.Status, _ message: String, retryAfterSeconds: Int) -> APIError {
        APIError(.genericError, message, status: status, headers: [.retryAfter: "\(retryAfterSeconds)"])
    }
}
