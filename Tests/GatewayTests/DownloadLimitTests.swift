import Auth
import Foundation
@testable import Gateway
import Hummingbird
import HummingbirdTesting
import Testing
import Wire

/// Concurrent downloads per key and in total: past a key's limit 429, past
/// the gateway's 503, both with `Retry-After`; a slot is held while its body
/// is written and freed after, or when the body is never written (HEAD).
@Suite struct DownloadLimitTests {
    static let keys = ["ab", "cd", "ef"].map { String(repeating: $0, count: 32) }

    static func hash(_ key: String) throws -> String {
        try #require(Credentials.key(fromAuthorization: "Token \(key)")).hashHex
    }

    static func get(_ client: some TestClientProtocol, _ uri: String, key: String,
                    method: HTTPRequest.Method = .get) async throws -> TestResponse {
        try await client.execute(uri: uri, method: method, headers: [.authorization: "Token \(key)"])
    }

    @Test func theLimiterCountsPerKeyAndInTotal() {
        let limiter = DownloadLimiter(limits: DownloadLimits(perKey: 2, total: 3, retryAfterSeconds: 5))
        let a1 = try? limiter.acquire(keyHash: "a").get()
        let a2 = try? limiter.acquire(keyHash: "a").get()
        #expect(a1 != nil && a2 != nil)
        #expect(throws: DownloadLimiter.Refusal.keyBusy) { try limiter.acquire(keyHash: "a").get() }
        let b1 = try? limiter.acquire(keyHash: "b").get()
        #expect(b1 != nil && limiter.total == 3)
        #expect(throws: DownloadLimiter.Refusal.gatewayBusy) { try limiter.acquire(keyHash: "c").get() }
        a1?.release()
        a1?.release()
        #expect(limiter.total == 2 && limiter.downloads(of: "a") == 1)
        #expect((try? limiter.acquire(keyHash: "c").get()) != nil, "a dropped slot is free again")
        #expect(limiter.total == 2, "the slot just taken was dropped at once")
        withExtendedLifetime((a2, b1)) {}
    }

    @Test func downloadsPastTheLimitsAreRefusedWithRetryAfter() async throws {
        let limiter = DownloadLimiter(limits: DownloadLimits(perKey: 1, total: 2, retryAfterSeconds: 7))
        let backends = DownloadTests.backends()
        let app = Application(router: backends.router(downloads: limiter))
        let uri = "/api/v1/captures/1/pcap"
        let firstKey = try Self.hash(Self.keys[0])
        let first = try #require(try? limiter.acquire(keyHash: firstKey).get())
        try await backends.test(app) { client in
            let keyBusy = try await Self.get(client, uri, key: Self.keys[0])
            #expect(keyBusy.status == .tooManyRequests && keyBusy.headers[.retryAfter] == "7")
            #expect(String(buffer: keyBusy.body).contains("downloads under way"))
            for route in ["/api/v1/flows/1/pcap", "/api/v1/search/pcap?q=tcp", "/api/v1/exports/netsift-search-1-a.pcap"] {
                #expect(try await Self.get(client, route, key: Self.keys[0]).status == .tooManyRequests, "\(route)")
            }
            // Other routes are not counted.
            #expect(try await Self.get(client, "/api/v1/openapi.json", key: Self.keys[0]).status == .ok)

            let secondKey = try Self.hash(Self.keys[1])
            let second = try #require(try? limiter.acquire(keyHash: secondKey).get())
            let gatewayBusy = try await Self.get(client, uri, key: Self.keys[2])
            #expect(gatewayBusy.status == .serviceUnavailable && gatewayBusy.headers[.retryAfter] == "7")

            second.release()
            let served = try await Self.get(client, uri, key: Self.keys[2])
            #expect(served.status == .ok && Array(buffer: served.body) == DownloadTests.expectedFile(capture: 1))
            let head = try await Self.get(client, uri, key: Self.keys[2], method: .head)
            #expect(head.status == .ok)
            let third = try Self.hash(Self.keys[2])
            #expect(limiter.total == 1 && limiter.downloads(of: third) == 0, "a written body and a HEAD free their slots")
            first.release()
        }
        #expect(limiter.total == 0)
    }
}
