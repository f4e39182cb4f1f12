import Foundation
import Prometheus
import Testing
@testable import ServiceRuntime

@Suite struct MetricsEndpointTests {
    @Test func servesMetricsAndHealthOverARealSocket() throws {
        let registry = PrometheusCollectorRegistry()
        let frames = registry.makeCounter(descriptor: MetricNameDescriptor(
            namespace: "netsift", subsystem: "test", metricName: "frames", unitName: "total", helpText: "Frames seen by the test."))
        let status = Locked(HealthReport.ok)
        let endpoint = MetricsEndpoint(port: 0, registry: registry) {
            HealthReport(service: "decoder", status: status.current, detail: ["records_endpoint": "tcp://x:1"])
        }
        try endpoint.start()
        defer { endpoint.stop() }
        let port = endpoint.boundPort
        #expect(port > 0)

        frames.increment(by: Int64(3))
        let metrics = try HTTPProbe.get(host: "127.0.0.1", port: port, path: "/metrics", timeout: 5)
        #expect(metrics.status == 200)
        #expect(String(decoding: metrics.body, as: UTF8.self).contains("netsift_test_frames_total 3\n"))

        frames.increment(by: Int64(2))
        let again = try HTTPProbe.get(host: "127.0.0.1", port: port, path: "/metrics", timeout: 5)
        #expect(String(decoding: again.body, as: UTF8.self).contains("netsift_test_frames_total 5\n"))

        let healthy = try HTTPProbe.get(host: "127.0.0.1", port: port, path: "/health", timeout: 5)
        #expect(healthy.status == 200)
        let report = try JSONDecoder().decode(HealthReport.self, from: Data(healthy.body))
        #expect(report == HealthReport(service: "decoder", status: "ok", detail: ["records_endpoint": "tcp://x:1"]))

        status.set(HealthReport.degraded)
        #expect(try HTTPProbe.get(host: "127.0.0.1", port: port, path: "/health", timeout: 5).status == 200)

        status.set(HealthReport.failing)
        let failing = try HTTPProbe.get(host: "127.0.0.1", port: port, path: "/health", timeout: 5)
        #expect(failing.status == 503)
        #expect(try JSONDecoder().decode(HealthReport.self, from: Data(failing.body)).status == "failing")

        #expect(try HTTPProbe.get(host: "127.0.0.1", port: port, path: "/nope", timeout: 5).status == 404)
        #expect(try HTTPProbe.get(host: "localhost", port: port, path: "/metrics?x=1", timeout: 5).status == 200)
    }

    @Test func stopReleasesThePort() throws {
        let endpoint = MetricsEndpoint(port: 0, registry: PrometheusCollectorRegistry()) {
            HealthReport(service: "s", status: "ok")
        }
        try endpoint.start()
        let port = endpoint.boundPort
        endpoint.stop()
        #expect(endpoint.boundPort == 0)
        let error = #expect(throws: HTTPProbeError.self) {
            try HTTPProbe.get(host: "127.0.0.1", port: port, path: "/health", timeout: 2)
        }
        #expect(error?.kind == .connect)
    }

    @Test func portInUseIsAnErrorNamingTheAddress() throws {
        let first = MetricsEndpoint(port: 0, registry: PrometheusCollectorRegistry()) {
            HealthReport(service: "s", status: "ok")
        }
        try first.start()
        defer { first.stop() }
        let second = MetricsEndpoint(port: first.boundPort, registry: PrometheusCollectorRegistry()) {
            HealthReport(service: "s", status: "ok")
        }
        let error = #expect(throws: MetricsEndpointError.self) { try second.start() }
        #expect(error?.description.contains("127.0.0.1:\(first.boundPort)") == true)
    }

    @Test func routesAnswerByMethodAndPath() {
        let routes = HTTPRoutes(registry: PrometheusCollectorRegistry()) { HealthReport(service: "s", status: "ok") }
        #expect(routes.respond(method: "POST", uri: "/metrics").status == 405)
        #expect(routes.respond(method: "DELETE", uri: "/health").allow == "GET")
        #expect(routes.respond(method: "GET", uri: "/").status == 404)
        #expect(routes.respond(method: "GET", uri: "/metrics").contentType.hasPrefix("text/plain; version=0.0.4"))
        #expect(routes.respond(method: "GET", uri: "/health").contentType == "application/json")
    }

    @Test func probeTimesOutOnASilentPeer() throws {
        // A listening socket that never answers: connect succeeds (backlog), no response comes.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(listener >= 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0 && listen(listener, 4) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let started = Date()
        let error = #expect(throws: HTTPProbeError.self) {
            try HTTPProbe.get(host: "127.0.0.1", port: port, path: "/health", timeout: 0.3)
        }
        #expect(error?.kind == .timeout)
        #expect(Date().timeIntervalSince(started) < 3)
    }
}
