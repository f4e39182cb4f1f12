import Messaging
import Wire

/// How many capture files the gateway streams at once, per API key and in
/// total. Each download holds a connection, a read ahead from storage and a
/// page of positions from search for as long as the client takes to read it.
public struct DownloadLimits: Sendable, Equatable {
    /// `downloads_per_key` (4): one key cannot take every slot from the others.
    public var perKey: Int
    /// `downloads_total` (64): bounds the gateway's memory (~1 MiB each) and storage's read load.
    public var total: Int
    /// `Retry-After` on a refusal, seconds: downloads last seconds to minutes.
    public var retryAfterSeconds: Int

    public static let `default` = DownloadLimits(perKey: 4, total: 64, retryAfterSeconds: 10)

    public init(perKey: Int, total: Int, retryAfterSeconds: Int) {
        self.perKey = max(1, perKey)
        self.total = max(1, total)
        self.retryAfterSeconds = max(1, retryAfterSeconds)
    }
}

/// Counts the downloads under way, per key (its SHA-256 hex) and in total,
/// and hands out slots within `limits`. A slot is given back when it is
/// released or dropped, whichever comes first: a response whose body is
/// never written (HEAD, a client gone before the body) frees its slot too.
public final class DownloadLimiter: Sendable {
    public enum Refusal: Error, Equatable {
        /// The key already has `perKey` downloads under way (429).
        case keyBusy
        /// The gateway already has `total` downloads under way (503).
        case gatewayBusy
    }

    struct Counts: Sendable {
        var perKey: [String: Int] = [:]
        var total = 0
    }

    public let limits: DownloadLimits
    private let counts = Locked(Counts())

    public init(limits: DownloadLimits = .default) {
        self.limits = limits
    }

    public func acquire(keyHash: String) -> Result<DownloadSlot, Refusal> {
        let refusal: Refusal? = counts.update { counts in
            if counts.perKey[keyHash, default: 0] >= limits.perKey { return .keyBusy }
            if counts.total >= limits.total { return .gatewayBusy }
            counts.perKey[keyHash, default: 0] += 1
            counts.total += 1
            return nil
        }
        if let refusal { return .failure(refusal) }
        return .success(DownloadSlot(limiter: self, keyHash: keyHash))
    }

    /// Downloads under way: in total, and of one key.
    public var total: Int { counts.get().total }
    public func downloads(of keyHash: String) -> Int { counts.get().perKey[keyHash, default: 0] }

    fileprivate func release(_ keyHash: String) {
        counts.update { counts in
            counts.total -= 1
            let left = counts.perKey[keyHash, default: 1] - 1
            counts.perKey[keyHash] = left > 0 ? left : nil
        }
    }
}

/// One download's place in the limiter, held until `release()` or until it is dropped.
public final class DownloadSlot: Sendable {
    private let limiter: DownloadLimiter
    private let keyHash: String
    private let held = Locked(true)

    fileprivate init(limiter: DownloadLimiter, keyHash: String) {
        self.limiter = limiter
        self.keyHash = keyHash
    }

    public func release() {
        let wasHeld = held.update { held in
            defer { held = false }
            return held
        }
        if wasHeld { limiter.release(keyHash) }
    }

    deinit { release() }
}
