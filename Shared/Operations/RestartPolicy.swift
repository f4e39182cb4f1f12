/// How long the supervisor waits before restarting a child that exited:
/// 1 s, doubling to 30 s while it keeps failing, and 1 s again once it had
/// run for `healthyPeriod` (a crash loop that ended must not make a later
/// single crash wait 30 s).
public struct RestartPolicy: Sendable, Equatable {
    public static let first: Duration = .seconds(1)
    public static let longest: Duration = .seconds(30)

    /// A run this long counts as healthy: the next failure starts over.
    public var healthyPeriod: Duration
    /// The wait before the next restart.
    public private(set) var nextDelay: Duration = first

    public init(healthyPeriod: Duration = .seconds(10)) {
        self.healthyPeriod = healthyPeriod
    }

    /// The child exited after running `ranFor`: the wait before restarting it.
    public mutating func exited(after ranFor: Duration) -> Duration {
        if ranFor >= healthyPeriod { nextDelay = Self.first }
        let delay = nextDelay
        nextDelay = min(nextDelay * 2, Self.longest)
        return delay
    }

    /// A restart could not even be launched: wait as long again.
    public mutating func launchFailed() -> Duration {
        let delay = nextDelay
        nextDelay = min(nextDelay * 2, Self.longest)
        return delay
    }
}
