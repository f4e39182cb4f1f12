import Auth
import Formats
import Messaging
import Wire

/// API keys search has recently said are live, so the gateway need not ask
/// search on every request: the key's SHA-256 (64 hex digits) → its holder
/// (name and role) and the instant it was verified. One instance is shared by every request of a router
/// (thread-safe).
///
/// - A positive answer is reused for `ttl` (5 s by default): a revoked key
///   keeps working for at most that long after its revocation (and a key's
///   role is that of the answer).
/// - Negative answers (unknown or revoked keys) and failed checks are never
///   kept: such a key is asked about on every request, and starts working
///   the moment it becomes valid.
/// - At most `capacity` entries: inserting into a full cache first drops the
///   expired entries, then, if still full, the oldest.
/// - `ttl` zero (or negative) turns caching off.
///
/// Instants come from `ContinuousClock`; every method takes `now` so tests
/// can move time without sleeping.
public final class VerifiedKeyCache: Sendable {
    public static let defaultTTL: Duration = .seconds(5)
    public static let defaultCapacity = 10_000

    public let ttl: Duration
    public let capacity: Int
    private let entries: Locked<[String: Entry]>

    private struct Entry {
        var holder: APIKeyHolder
        var verified: ContinuousClock.Instant
    }

    public init(ttl: Duration = defaultTTL, capacity: Int = defaultCapacity) {
        self.ttl = ttl
        self.capacity = max(1, capacity)
        entries = Locked([:])
    }

    /// Who holds `hashHex`, when it was verified less than `ttl` before
    /// `now`. An expired entry is removed.
    public func holder(of hashHex: String, now: ContinuousClock.Instant = .now) -> APIKeyHolder? {
        guard ttl > .zero else { return nil }
        return entries.update { entries in
            guard let entry = entries[hashHex] else { return nil }
            if now - entry.verified < ttl { return entry.holder }
            entries[hashHex] = nil
            return nil
        }
    }

    /// Records that search said `hashHex` is a live key. Pass the instant
    /// the question was *sent* (not when the answer came): the key is known
    /// live from then, so `ttl` is never stretched by search's latency.
    public func recordVerified(_ hashHex: String, as holder: APIKeyHolder,
                               at verified: ContinuousClock.Instant = .now) {
        guard ttl > .zero else { return }
        entries.update { entries in
            if let known = entries[hashHex] {
                if verified >= known.verified { entries[hashHex] = Entry(holder: holder, verified: verified) }
                return
            }
            if entries.count >= capacity {
                entries = entries.filter { verified - $0.value.verified < ttl }
                if entries.count >= capacity,
                   let oldest = entries.min(by: { $0.value.verified < $1.value.verified })?.key {
                    entries[oldest] = nil
                }
            }
            entries[hashHex] = Entry(holder: holder, verified: verified)
        }
    }

    /// Forgets `hashHex` (e.g. when search says it is no longer valid).
    public func remove(_ hashHex: String) {
        entries.update { $0[hashHex] = nil }
    }

    /// Entries held, expired ones included until they are looked up or evicted.
    public var count: Int { entries.update { $0.count } }
}
