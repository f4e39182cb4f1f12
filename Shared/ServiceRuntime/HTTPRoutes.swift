import Foundation
import Prometheus

/// The endpoint's routes as a pure function of method and path, so they can
/// be tested without a socket.
struct HTTPRoutes: Sendable {
    struct Response: Equatable, Sendable {
        var status: Int
        var contentType: String
        var body: [UInt8]
        var allow: String? = nil
    }

    let registry: PrometheusCollectorRegistry
    let health: @Sendable () -> HealthReport

    func respond(method: String, uri: String) -> Response {
        let path = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? uri
        guard path == "/metrics" || path == "/health" else {
            return Response(status: 404, contentType: "text/plain; charset=utf-8", body: Array("not found\n".utf8))
        }
        guard method == "GET" else {
            return Response(status: 405, contentType: "text/plain; charset=utf-8",
                            body: Array("method not allowed\n".utf8), allow: "GET")
        }
        if path == "/metrics" {
            var body: [UInt8] = []
            registry.emit(into: &body)
            return Response(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: body)
        }
        let report = health()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let json = try? encoder.encode(report) else {
            return Response(status: 500, contentType: "text/plain; charset=utf-8",
                            body: Array("health report could not be encoded\n".utf8))
        }
        return Response(status: report.httpStatus, contentType: "application/json", body: Array(json) + [0x0A])
    }
}
