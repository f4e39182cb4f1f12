/// What `GET /health` answers: the service's name, `ok`, `degraded` or
/// `failing`, and free-form details (peer addresses, queue depths, the
/// last error). `failing` is served with HTTP 503, the others with 200.
public struct HealthReport: Codable, Sendable, Equatable {
    public var service: String
    /// "ok" | "degraded" | "failing"
    public var status: String
    public var detail: [String: String]
    /// The deployment the service belongs to (`deployment_id`), so a caller
    /// can tell its own services from another deployment's on the same port.
    public var deployment: String?

    public init(service: String, status: String, detail: [String: String] = [:], deployment: String? = nil) {
        self.service = service
        self.status = status
        self.detail = detail
        self.deployment = deployment
    }

    public static let ok = "ok"
    public static let degraded = "degraded"
    public static let failing = "failing"

    /// 503 for `failing`, 200 otherwise.
    public var httpStatus: Int { status == Self.failing ? 503 : 200 }
}
