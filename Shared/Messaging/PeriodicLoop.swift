import Foundation

/// Runs `body` now and then every `interval` on the calling thread until
/// `stop()` (which makes `run()` return within 0.2 s). For housekeeping
/// (expiring searches, removing old exports) on a thread of its own.
public final class PeriodicLoop: Sendable {
    public let interval: Duration
    private let body: @Sendable () throws -> Void
    private let stopping = Locked(false)

    public init(every interval: Duration, _ body: @escaping @Sendable () throws -> Void) {
        self.interval = interval
        self.body = body
    }

    public func stop() { stopping.set(true) }

    public func run() throws {
        var next = ContinuousClock.now
        while !stopping.get() {
            if ContinuousClock.now >= next {
                try body()
                next = .now + interval
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }
}
