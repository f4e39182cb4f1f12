import Auth
import HTTPTypes
import Hummingbird

/// Lets a capture file download start only within `limiter`'s limits: past
/// the key's, 429; past the gateway's total, 503; both with `Retry-After`.
/// The slot is held until the response body has been written (or dropped).
/// Runs after `APIKeyMiddleware`, so the key is already known to be live.
struct DownloadLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let limiter: DownloadLimiter

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let key = Credentials.key(fromAuthorization: request.headers[.authorization]) else {
            return try await next(request, context)
        }
        let slot: DownloadSlot
        switch limiter.acquire(keyHash: key.hashHex) {
        case .success(let acquired): slot = acquired
        case .failure(let refusal): throw refused(refusal)
        }
        var response = try await next(request, context)
        let body = response.body
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            defer { slot.release() }
            try await body.write(writer)
        }
        return response
    }

    private func refused(_ refusal: DownloadLimiter.Refusal) -> APIError {
        let limits = limiter.limits
        return switch refusal {
        case .keyBusy:
            .busy(.tooManyRequests, "this API key already has \(limits.perKey) downloads under way; retry when one ends",
                  retryAfterSeconds: limits.retryAfterSeconds)
        case .gatewayBusy:
            .busy(.serviceUnavailable, "the gateway already has \(limits.total) downloads under way; retry later",
                  retryAfterSeconds: limits.retryAfterSeconds)
        }
    }
}
