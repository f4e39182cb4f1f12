import Auth
import Formats
import Foundation
@testable import Gateway
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import Wire

/// The middleware with roles: a route's rule decides, 403 with ErrorCode 8
/// otherwise; changes and packet reads leave an audit line.
@Suite struct APIKeyRoleTests {
    /// One key per role, named after it: key text → holder.
    static let keys: [String: APIKeyHolder] = Dictionary(uniqueKeysWithValues: APIRole.allCases.enumerated().map {
        (String(repeating: "\($0.offset + 1)", count: 64), APIKeyHolder(name: "\($0.element)-key", role: $0.element))
    })

    static func key(_ role: APIRole) -> String {
        keys.first { $0.value.role == role }?.key ?? ""
    }

    /// Four routes of the real table and one the table does not know.
    static func application(_ logs: AuditCapture) -> some ApplicationProtocol {
        let byHash = Dictionary(uniqueKeysWithValues: keys.map { (APIKey($0.key)?.hashHex ?? "", $0.value) })
        let router = Router()
        let api = router.group("api/v1").add(middleware: APIKeyMiddleware(cache: VerifiedKeyCache()) { byHash[$0] })
        api.get("info") { _, _ in "info" }
        api.get("captures/:id/pcap") { _, _ in "bytes" }
        api.post("hunts") { _, _ in "saved" }
        api.delete("hunts/:id") { _, _ -> Response in throw HTTPError(.notFound) }
        api.post("unlisted") { _, _ in "should not run" }
        return Application(router: router, logger: Logger(label: "test") { _ in logs })
    }

    struct Answer: Equatable, CustomStringConvertible {
        var status: Int
        var errorCode: Int?
        init(_ status: Int, _ errorCode: Int?) {
            self.status = status
            self.errorCode = errorCode
        }
        var description: String { "\(status) ErrorCode \(errorCode.map(String.init) ?? "none")" }
        static let ok = Answer(200, nil)
        static let forbidden = Answer(403, 8)
    }

    func call(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ path: String,
              _ role: APIRole) async throws -> Answer {
        try await client.execute(uri: path, method: method, headers: [.authorization: "Token \(Self.key(role))"]) { response in
            let body = try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
            return Answer(Int(response.status.code), body?["ErrorCode"] as? Int)
        }
    }

    @Test func rolesDecideAndRefusalsAre403WithErrorCode8() async throws {
        let logs = AuditCapture()
        try await Self.application(logs).test(.router) { client in
            for role in APIRole.allCases {
                #expect(try await call(client, .get, "/api/v1/info", role) == .ok)
                let read = try await call(client, .get, "/api/v1/captures/3/pcap", role)
                #expect(read == (role == .sensor ? .forbidden : .ok), "\(role) reads a pcap: \(read)")
                let change = try await call(client, .post, "/api/v1/hunts?name=x&q=tcp", role)
                let mayChange = role == .admin || role == .analyst
                #expect(change == (mayChange ? .ok : .forbidden), "\(role) saves a hunt: \(change)")
                #expect(try await call(client, .post, "/api/v1/unlisted", role) == .forbidden, "no rule: refused")
            }
            #expect(try await call(client, .delete, "/api/v1/hunts/4", .analyst) == Answer(404, nil), "a thrown error's status")
        }
        let lines = logs.lines
        #expect(lines.contains("viewer-key viewer GET /api/v1/captures/{id}/pcap /api/v1/captures/3/pcap 200"))
        #expect(lines.contains("viewer-key viewer POST /api/v1/hunts /api/v1/hunts 403"), "refused changes too")
        #expect(lines.contains("analyst-key analyst POST /api/v1/hunts /api/v1/hunts 200"))
        #expect(lines.contains("admin-key admin POST /api/v1/unlisted /api/v1/unlisted 403"))
        #expect(lines.contains("analyst-key analyst DELETE /api/v1/hunts/{id} /api/v1/hunts/4 404"))
        #expect(!lines.contains { $0.contains("/api/v1/info") }, "plain reads are not audited")
        let expected = APIRole.allCases.count * 3 + 1   // per role: the pcap, the hunt, the unlisted route; the delete
        #expect(lines.count == expected, "\(lines)")
    }
}

/// Collects the gateway's audit lines as "key role method route path status".
final class AuditCapture: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    var lines: [String] { lock.withLock { collected } }

    func log(event: LogEvent) {
        guard event.message.description == "audit", let metadata = event.metadata else { return }
        let fields = ["key", "role", "method", "route", "path", "status"].map { metadata["audit.\($0)"].map { "\($0)" } ?? "-" }
        lock.withLock { collected.append(fields.joined(separator: " ")) }
    }
}
