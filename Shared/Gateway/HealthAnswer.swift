/// What `GET /api/v1/health` answers: the shape every service's `/health`
/// has (ServiceRuntime's `HealthReport`), with the deployment it belongs to.
struct HealthAnswer: Encodable {
    var service = "gateway"
    var status = "ok"
    var detail: [String: String] = [:]
    var deployment: String?
}
