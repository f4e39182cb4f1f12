import Auth
import Formats
@testable import Gateway
import Hummingbird
import Messaging
import Testing
import Wire

extension VerifiedKeyCache {
    func isVerified(_ hashHex: String, now: ContinuousClock.Instant = .now) -> Bool { holder(of: hashHex, now: now) != nil }
}

@Suite struct VerifiedKeyCacheTests {
    let t0 = ContinuousClock.now
    let a = String(repeating: "a", count: 64)
    let b = String(repeating: "b", count: 64)
    let viewer = APIKeyHolder(name: "v", role: .viewer)

    @Test func hitWithinTheTTL() {
        let cache = VerifiedKeyCache()
        #expect(cache.ttl == .seconds(5) && cache.capacity == 10_000, "the defaults")
        #expect(!cache.isVerified(a, now: t0), "nothing before the first answer")
        cache.recordVerified(a, as: viewer, at: t0)
        #expect(cache.isVerified(a, now: t0))
        #expect(cache.isVerified(a, now: t0 + .milliseconds(4_999)))
        #expect(!cache.isVerified(b, now: t0), "only the key that was verified")
    }

    @Test func missAfterTheTTL() {
        let cache = VerifiedKeyCache(ttl: .seconds(5))
        cache.recordVerified(a, as: viewer, at: t0)
        #expect(!cache.isVerified(a, now: t0 + .seconds(5)))
        #expect(cache.count == 0, "the expired entry is dropped when looked up")
        #expect(!cache.isVerified(a, now: t0 + .seconds(1)), "and stays gone")
        cache.recordVerified(a, as: viewer, at: t0 + .seconds(6))
        #expect(cache.isVerified(a, now: t0 + .seconds(10)), "a new answer starts a new TTL")
        #expect(!cache.isVerified(a, now: t0 + .seconds(11)))
    }

    @Test func aLaterAnswerExtendsAnEarlierOneNeverTheReverse() {
        let cache = VerifiedKeyCache(ttl: .seconds(5))
        cache.recordVerified(a, as: viewer, at: t0 + .seconds(3))
        cache.recordVerified(a, as: viewer, at: t0)
        #expect(cache.isVerified(a, now: t0 + .seconds(7)))
        #expect(!cache.isVerified(a, now: t0 + .seconds(8)))
        cache.recordVerified(a, as: .init(name: "v", role: .analyst), at: t0 + .seconds(4))
        #expect(cache.holder(of: a, now: t0 + .seconds(5))?.role == .analyst, "the latest answer's role")
        cache.recordVerified(a, as: viewer, at: t0)
        #expect(cache.holder(of: a, now: t0 + .seconds(5))?.role == .analyst, "not an older answer's")
    }

    @Test func removeAndZeroTTL() {
        let cache = VerifiedKeyCache()
        cache.recordVerified(a, as: viewer, at: t0)
        cache.remove(a)
        #expect(!cache.isVerified(a, now: t0))
        let off = VerifiedKeyCache(ttl: .zero)
        off.recordVerified(a, as: viewer, at: t0)
        #expect(!off.isVerified(a, now: t0) && off.count == 0, "ttl 0 keeps nothing")
    }

    @Test func sizeIsBoundedOldestGoesFirst() {
        let cache = VerifiedKeyCache(ttl: .seconds(5), capacity: 3)
        let keys = (0 ..< 5).map { String(repeating: "\($0)", count: 64) }
        for (index, key) in keys.enumerated() {
            cache.recordVerified(key, as: viewer, at: t0 + .milliseconds(index))
            #expect(cache.count <= 3)
        }
        let now = t0 + .milliseconds(10)
        #expect(keys.map { cache.isVerified($0, now: now) } == [false, false, true, true, true])
    }

    @Test func expiredEntriesAreEvictedBeforeLiveOnes() {
        let cache = VerifiedKeyCache(ttl: .seconds(5), capacity: 3)
        let keys = (0 ..< 4).map { String(repeating: "\($0)", count: 64) }
        cache.recordVerified(keys[0], as: viewer, at: t0)
        cache.recordVerified(keys[1], as: viewer, at: t0 + .seconds(1))
        cache.recordVerified(keys[2], as: viewer, at: t0 + .seconds(6))
        cache.recordVerified(keys[3], as: viewer, at: t0 + .seconds(6))
        #expect(cache.count == 2, "both expired entries went, the live one stayed")
        #expect(keys.map { cache.isVerified($0, now: t0 + .seconds(7)) } == [false, false, true, true])
    }

    @Test func manyThreadsShareOneCache() async {
        let cache = VerifiedKeyCache(capacity: 1_000)
        await withTaskGroup(of: Void.self) { group in
            for task in 0 ..< 8 {
                group.addTask {
                    for index in 0 ..< 500 {
                        let key = String(task) + ":" + String(index % 200)
                        if !cache.isVerified(key) { cache.recordVerified(key, as: .init(name: key, role: .viewer)) }
                    }
                }
            }
        }
        #expect(cache.count == 1_000)
    }
}

/// The middleware's decision: the cache first, search only on a miss, and
/// only positive answers kept.
@Suite struct APIKeyMiddlewareTests {
    let key = String(repeating: "c", count: 64)

    /// A middleware whose search answers `answer` and counts the questions.
    let holder = APIKeyHolder(name: "k", role: .analyst)

    func middleware(_ cache: VerifiedKeyCache, answer: @escaping @Sendable () throws -> Bool)
        -> (APIKeyMiddleware<BasicRequestContext>, Locked<Int>) {
        let asked = Locked(0)
        let middleware = APIKeyMiddleware<BasicRequestContext>(cache: cache) { [holder] _ in
            asked.update { $0 += 1 }
            return try answer() ? holder : nil
        }
        return (middleware, asked)
    }

    @Test func aLiveKeyIsAskedAboutOncePerTTL() async {
        let (middleware, asked) = middleware(VerifiedKeyCache()) { true }
        for _ in 0 ..< 10 { #expect(await middleware.check(key) == .valid(holder)) }
        #expect(asked.get() == 1)
    }

    @Test func negativeAnswersAreNeverCached() async {
        let live = Locked(false)
        let cache = VerifiedKeyCache()
        let (middleware, asked) = middleware(cache) { live.get() }
        #expect(await middleware.check(key) == .invalid)
        #expect(await middleware.check(key) == .invalid)
        #expect(asked.get() == 2 && cache.count == 0)
        live.set(true)
        #expect(await middleware.check(key) == .valid(holder), "a key that becomes valid works at once")
        #expect(await middleware.check(key) == .valid(holder))
        #expect(asked.get() == 3)
    }

    @Test func failedChecksAreNotCached() async {
        struct Down: Error {}
        let cache = VerifiedKeyCache()
        let (middleware, asked) = middleware(cache) { throw Down() }
        guard case .unchecked = await middleware.check(key) else {
            Issue.record("a failed check is neither valid nor invalid")
            return
        }
        _ = await middleware.check(key)
        #expect(asked.get() == 2 && cache.count == 0)
    }

    @Test func withoutTTLEveryRequestAsks() async {
        let (middleware, asked) = middleware(VerifiedKeyCache(ttl: .zero)) { true }
        for _ in 0 ..< 3 { #expect(await middleware.check(key) == .valid(holder)) }
        #expect(asked.get() == 3)
    }
}
