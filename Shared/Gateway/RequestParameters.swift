import Foundation
import Hummingbird
import NIOCore

/// A listing's page: the items after `after` (an id, frame number or
/// ordinal), at most `limit` of them.
struct Page: Sendable {
    /// Most items one listing returns; larger `limit`s are clamped.
    static let maxLimit = 1_000
    static let refusal = APIError.malformed("after must be a non-negative integer and limit a positive integer")

    let after: UInt64
    let limit: Int

    init(_ request: Request) throws(APIError) {
        guard let after = integer(request.query("after"), default: Int64(0)), after >= 0,
              let limit = integer(request.query("limit"), default: 100), limit > 0 else { throw Self.refusal }
        self.after = UInt64(after)
        self.limit = min(limit, Self.maxLimit)
    }
}

extension Request {
    /// Query parameter `name`, as HTML forms and most clients encode it:
    /// `+` is a space, a plus is `%2B`. Hummingbird's `uri.queryParameters`
    /// keeps `+` as it is, so a query sent by Python's requests, `curl
    /// --data-urlencode` or the browser's URLSearchParams
    /// (`q=tcp+%26%26+port+%3D%3D+80`) arrived as `tcp+&&+port+==+80`.
    func query(_ name: String) -> String? {
        guard let raw = uri.query, raw.contains("+") else { return uri.queryParameters.get(name) }
        return type(of: uri).init("?" + raw.replacingOccurrences(of: "+", with: "%20")).queryParameters.get(name)
    }
}

/// A query parameter's integer: `value` when it is absent, nil when it is not one.
func integer<T: FixedWidthInteger>(_ text: String?, default value: T) -> T? {
    guard let text else { return value }
    return T(text)
}

extension RequestContext {
    /// The path's `id`: ids are PostgreSQL bigints, so 0 … 2^63 − 1.
    /// `resource` names it in the refusal.
    func id(of resource: String) throws(APIError) -> UInt64 {
        guard let id = parameters.get("id", as: Int64.self), id >= 0 else {
            throw .malformed("the \(resource) id must be a non-negative integer")
        }
        return UInt64(id)
    }
}

extension Response {
    /// 200 with `object` in the RESPONSE envelope.
    static func envelope(_ object: some Encodable) throws -> Response {
        json(try APIResponse.object(object))
    }

    /// 200 with JSON that is ready.
    static func json(_ bytes: [UInt8]) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
