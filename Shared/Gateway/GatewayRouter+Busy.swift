import HTTPTypes
import Hummingbird

/// Answers refusing work for now: 429 (this API key is at its limit) or 503
/// (the gateway is), in the envelope with ErrorCode 1, and `Retry-After`.
extension GatewayRouter {
    static func busy(status: Int, _ message: String, retryAfterSeconds: Int) -> Response {
        var response = json(APIResponse.error(.genericError, message), status: status)
        response.headers[.retryAfter] = "\(retryAfterSeconds)"
        return response
    }

    /// `Retry-After` when a key has its most background searches queued or
    /// running: a search takes seconds to minutes.
    static let searchesRetryAfterSeconds = 30
}
