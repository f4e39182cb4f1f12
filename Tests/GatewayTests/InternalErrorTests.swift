import Foundation
@testable import Gateway
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import Wire

/// A 5xx answer says only that something failed and the request's id; the
/// detail (here, a database error with its SQL) is in the log under that id.
@Suite struct InternalErrorTests {
    static let secret = #"ERROR: relation "packets_secret" does not exist; parameters: $1 = '2147483648'"#

    static func expectGeneric(_ response: TestResponse, _ log: LogRecorder) throws {
        #expect(response.status == .internalServerError)
        let id = try #require(response.headers[.requestID])
        let body = String(buffer: response.body)
        #expect(body == #"{"DataType":1,"ErrorCode":1,"ReturnValue":"internal error; request id \#(id)"}"#)
        #expect(!body.contains("packets_secret"))
        #expect(log.lines.contains { $0.contains(Self.secret) && $0.contains(id) }, "\(log.lines)")
    }

    @Test func fiveHundredsCarryARequestIdAndNoDetail() async throws {
        let log = LogRecorder()
        let backends = FakeBackends { query in
            if case .installation(.getTotals) = query { return .failed(message: Self.secret) }
            return .failed(message: "not faked")
        }
        let app = Application(router: backends.router(), logger: Logger(label: "gateway-test") { _ in log })
        try await backends.test(app) { client in
            let response = try await client.execute(uri: "/api/v1/stats", method: .get, headers: FakeBackends.authorization)
            try Self.expectGeneric(response, log)
            let fine = try await client.execute(uri: "/api/v1/info", method: .get, headers: FakeBackends.authorization)
            #expect(fine.status == .ok && fine.headers[.requestID] != nil && fine.headers[.requestID] != response.headers[.requestID])
        }
    }

    /// An internal error thrown where no `EnvelopeMiddleware` maps it is
    /// answered the same way, and a refusal keeps its message.
    @Test func anErrorPastTheMiddlewareIsAnsweredAlike() async throws {
        let log = LogRecorder()
        let router = Router()
        router.get("internal") { _, _ -> Response in throw APIError.internalError(Self.secret) }
        router.get("refused") { _, _ -> Response in throw APIError.malformed("bad") }
        try await Application(router: router, logger: Logger(label: "gateway-test") { _ in log }).test(.router) { client in
            try Self.expectGeneric(try await client.execute(uri: "/internal", method: .get), log)
            let refused = try await client.execute(uri: "/refused", method: .get)
            #expect(refused.status == .badRequest && refused.headers[.requestID] == nil)
            #expect(String(buffer: refused.body) == #"{"DataType":1,"ErrorCode":4,"ReturnValue":"bad"}"#)
        }
    }
}

/// Every log line with its metadata, for tests to read.
final class LogRecorder: LogHandler, @unchecked Sendable {
    // @unchecked: `recorded` is guarded by `lock`.
    private let lock = NSLock()
    private var recorded: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    var lines: [String] { lock.withLock { recorded } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        lock.withLock { recorded.append("\(event.message) \(all)") }
    }
}
